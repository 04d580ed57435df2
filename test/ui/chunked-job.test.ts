// A chunked job in the job page, in a real Chromium against a real appliance (`mpegflow start`,
// real FFmpeg) configured to chunk masters over 10 s in chunks of 4 s: a 20 s 640x360 master
// (keyframes every 2 s) through two H.264 rungs with a quality gate (3 segments, PSNR ≥ 20 dB).
// The page shows "Chunked: 5 chunks of 4 s", a strip of 5 cells (one per chunk, in time order,
// as wide as its frames) that all turn succeeded, the stitch task and each rung stitched, and once
// completed the quality table with figures; then the output plays in hls.js and in dash.js
// (currentTime past 1 s) from segments under cmaf/.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobDetail } from '../../src/http/schemas/jobs.js';
import { chunkingLine, chunkTitle, sampleText, stitchState, thresholdsText, worstText } from '../../ui/src/job-figures.js';
import { clock, etaText } from '../../ui/src/format.js';
import { apiClient } from '../helpers/api-client.js';
import { killServers, startServer } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { launchChromium, offAppliance, pageErrors, recordRequests, screenshot } from './browser.js';

const contexts: BrowserContext[] = [];
test.after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  killServers();
});

/** 20 s of 640x360 25 fps H.264, a keyframe every 2 s (chunkable), and a stereo AAC tone. */
async function makeMaster(out: string): Promise<void> {
  const ff = (await testImage()).argv('ffmpeg');
  const child = spawn(
    ff[0]!,
    [
      ...ff.slice(1),
      ...['-nostdin', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=20'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20:sample_rate=48000'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0'],
      ...['-c:a', 'aac', '-ac', '2'],
      out,
    ],
    { env: { LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.is(code, 0, stderr);
}

const TEMPLATE = {
  name: 'chunked-two-rungs',
  description: 'two H.264 rungs, quality gated on 3 segments',
  encoderPreset: 'ultrafast',
  gopSeconds: 2,
  rungs: [
    { name: '360p', codec: 'h264', width: 640, height: 360, profile: 'main', rate: { mode: 'vbr', bitrateKbps: 600, maxrateKbps: 720, bufsizeKbps: 1200 } },
    { name: '240p', codec: 'h264', width: 426, height: 240, profile: 'main', rate: { mode: 'vbr', bitrateKbps: 300, maxrateKbps: 360, bufsizeKbps: 600 } },
  ],
  audio: { select: { by: 'all' }, stereo: { bitrateKbps: 96 } },
  quality: { sample: { segments: 3 }, thresholds: { psnr: 20 }, onBelow: 'fail' },
};

type Chunking = NonNullable<JobDetail['chunking']>;
type Quality = JobDetail['quality'][number];

test('job page helpers: chunking line, chunk tooltip, ETA, quality texts', () => {
  const chunk = { index: 1, startSeconds: 4, endSeconds: 8, frames: 100, state: 'running' as const, attempt: 2, fraction: 0.4 };
  const chunked: Chunking = { chunked: true, reasonCode: 'long-master', reason: 'r', chunkSeconds: 4, chunks: [chunk, { ...chunk, index: 0 }] };
  assert.is(chunkingLine(chunked), 'Chunked: 2 chunks of 4 s');
  assert.is(
    chunkingLine({ chunked: false, reasonCode: 'short-master', reason: '8 s is under the threshold', chunkSeconds: null, chunks: [] }),
    'Not chunked: 8 s is under the threshold',
  );
  assert.is(chunkTitle(chunk, 5), 'Chunk 2 of 5 · 0:04–0:08 · 100 frames · attempt 2 · running 40 %');
  const job = (tasks: Partial<JobDetail['tasks'][number]>[], states: Chunking['chunks'][number]['state'][]) =>
    ({
      renditions: [
        { name: '360p', state: 'succeeded', sha256: 'x' },
        { name: '240p', state: 'pending', sha256: null },
      ],
      tasks,
      chunking: { ...chunked, chunks: states.map((state, index) => ({ ...chunk, index, state })) },
    }) as unknown as JobDetail;
  assert.equal(stitchState('360p', job([], ['succeeded'])), { state: 'succeeded', text: 'stitched' });
  assert.equal(stitchState('240p', job([], ['succeeded', 'running'])), { state: 'pending', text: 'waiting for the chunks (1 / 2)' });
  assert.equal(stitchState('240p', job([], ['succeeded', 'succeeded'])), { state: 'pending', text: 'chunks done, stitch not started' });
  assert.equal(stitchState('240p', job([], ['succeeded', 'dead'])), { state: 'failed', text: 'a chunk failed' });
  assert.equal(stitchState('240p', job([{ kind: 'stitch', state: 'running' }], ['succeeded', 'succeeded'])), { state: 'running', text: 'stitch running' });
  assert.is(etaText(185), 'about 3 min left');
  assert.is(etaText(42), 'about 40 s left');
  assert.is(etaText(null), null);
  assert.is(clock(3725), '1:02:05');
  const q: Quality = {
    rendition: '360p',
    psnr: { mean: 41.2, min: 38, worstSegmentSeconds: 8 },
    ssim: { mean: 0.98, min: 0.97, worstSegmentSeconds: 8 },
    xpsnr: null,
    frames: 150,
    sampledSeconds: 6,
    sample: { segments: 3 },
    thresholds: { psnr: 20 },
    passed: true,
    below: [],
  };
  assert.is(sampleText(q.sample), '3 segments');
  assert.is(sampleText('all'), 'whole programme');
  assert.is(thresholdsText(q.thresholds), 'PSNR ≥ 20 dB');
  assert.is(thresholdsText({}), 'not gated');
  assert.is(worstText(q), '0:08');
  assert.is(worstText({ ...q, ssim: { mean: 0.9, min: 0.8, worstSegmentSeconds: 16 } }), 'PSNR 0:08 · SSIM 0:16');
});

interface PageVideo {
  currentTime: number;
  paused: boolean;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
}
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
};

/** Plays from 0 until currentTime passes 1.2 s, in the given engine. */
async function plays(page: Page, format: 'hls' | 'dash'): Promise<void> {
  const engine = format === 'hls' ? 'hls.js' : 'dash.js';
  if (format === 'dash') await page.getByRole('radio', { name: 'DASH' }).check();
  await page.waitForFunction((e) => document.querySelector('.player')?.getAttribute('data-engine')?.startsWith(e), engine, { timeout: 30_000 });
  await page.locator('.player').scrollIntoViewIfNeeded();
  const video = page.locator('video');
  await video.evaluate((v: PageVideo) => {
    v.muted = true;
    v.currentTime = 0;
    return v.play();
  });
  const reached = await video.evaluate(
    (v: PageVideo) =>
      new Promise<number>((resolve, reject) => {
        const end = Date.now() + 30_000;
        const tick = () =>
          v.currentTime > 1.2 ? resolve(v.currentTime) : Date.now() > end ? reject(new Error(`stuck at ${v.currentTime}`)) : setTimeout(tick, 50);
        tick();
      }),
  );
  assert.ok(reached > 1, `${engine}: playback advanced to ${reached}`);
  const rendition = await page.locator('.player').getAttribute('data-rendition');
  assert.ok(['360p', '240p'].includes(rendition ?? ''), `${engine} plays ${rendition}`);
  await screenshot(page, `chunked-job-${format}`, false);
}

test('chunked job: the job page shows 5 chunks turning succeeded, the stitch, the quality table; the output plays in hls.js and dash.js', async () => {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const cwd = tempDir('mpegflow-ui-chunked-');
  // The master is made while the encoder image is preloaded, and Chromium starts with the appliance.
  await Promise.all([preloadEncoderImage(cwd), makeMaster(join(cwd, 'long.mp4'))]);
  timings['image + master'] = Date.now() - t0;
  writeFileSync(join(cwd, 'data', 'config.json'), JSON.stringify({ chunking: { enabled: true, thresholdSeconds: 10, chunkSeconds: 4 } }));
  const [s, context] = await Promise.all([startServer({ cwd, timeoutMs: 300_000 }), launchChromium({ width: 1280, height: 1000 })]);
  contexts.push(context);
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const api = apiClient(s.url, token);
  const json = { ...api.auth, 'content-type': 'application/json' };
  const created = await fetch(`${s.url}/api/v1/ladders`, { method: 'POST', headers: json, body: JSON.stringify(TEMPLATE) });
  assert.is(created.status, 201, await created.clone().text());
  assert.is((await api.upload(join(cwd, 'long.mp4'))).status, 201);
  const user = await fetch(`${s.url}/api/v1/users`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'cleo', role: 'operator' }) });
  assert.is(user.status, 201, await user.clone().text());
  const { password } = (await user.json()) as { password: string };
  timings['start + browser'] = Date.now() - t0;

  // Signed in before the job is submitted, so the page watches the chunks run.
  const requests = recordRequests(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = pageErrors(page);
  await page.goto(`${s.url}/`);
  await page.getByLabel('User name').fill('cleo');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  timings['signed in'] = Date.now() - t0;

  const tJob = Date.now();
  const submitted = await api.submit({ input: { key: 'long.mp4' }, ladder: TEMPLATE.name });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;
  await page.goto(`${s.url}/#/jobs/${jobId}`);
  await page.getByRole('heading', { name: `Job ${jobId}` }).waitFor();

  // The decision in one line, then the strip: 5 cells in time order, widths by frames.
  const line = page.locator('dd.chunking-line');
  await page.waitForFunction(() => document.querySelector('dd.chunking-line')?.getAttribute('data-chunked') === 'true', undefined, { timeout: 60_000 });
  assert.is(await line.innerText(), 'Chunked: 5 chunks of 4 s');
  const cells = page.locator('ol.chunk-strip > li.chunk');
  await cells.nth(4).waitFor({ timeout: 30_000 });
  assert.is(await cells.count(), 5);
  assert.equal(await cells.evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-index'))), [
    '0',
    '1',
    '2',
    '3',
    '4',
  ]);
  assert.match((await page.locator('ol.chunk-strip').getAttribute('aria-label')) ?? '', /360p/);
  assert.match((await cells.first().getAttribute('title')) ?? '', /^Chunk 1 of 5 · 0:00–0:04 · 100 frames · attempt \d+ · /);
  const widths = await cells.evaluateAll((els) =>
    els.map((e) => (e as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width),
  );
  assert.ok(Math.max(...widths) - Math.min(...widths) < 3, `equal chunks, equal cells: ${widths.join(', ')}`);

  // What the strip went through while the job ran (the states each cell showed), until all succeeded.
  const seen = new Set<string>();
  const etas = new Set<string>();
  for (;;) {
    const states = await cells.evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-state')));
    for (const x of states) seen.add(x);
    const eta = page.locator('.page-head .eta');
    if (await eta.count()) etas.add(await eta.innerText());
    if (states.every((x) => x === 'succeeded')) break;
    assert.ok(!states.some((x) => x === 'failed' || x === 'dead'), `a chunk failed: ${states.join(', ')}`);
    assert.ok(Date.now() - tJob < 120_000, `chunks not done: ${states.join(', ')}`);
    await page.waitForTimeout(150);
  }
  timings.chunks = Date.now() - tJob;
  const tAfter = Date.now();
  await screenshot(page, 'chunked-job-chunks-done');

  // The stitch task in the DAG, and each rung stitched; then the job completes.
  const stitch = page.locator('li.task[data-kind="stitch"]');
  await stitch.waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.dag').getAttribute('aria-label').then(String), /encode, then stitch, then package/);
  await page.locator('.page-head .badge', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
  timings.job = Date.now() - tJob;
  timings['stitch + quality + package'] = Date.now() - tAfter;
  assert.is(await stitch.locator('.badge').innerText(), 'succeeded');
  const stitched = await page
    .locator('.stitch-states li[data-rung]')
    .evaluateAll((els) =>
      els.map(
        (e) =>
          (e as unknown as { getAttribute(n: string): string }).getAttribute('data-rung') +
          ':' +
          (e as unknown as { getAttribute(n: string): string }).getAttribute('data-stitch'),
      ),
    );
  assert.equal(stitched.sort(), ['240p:succeeded', '360p:succeeded']);
  // Encode tasks are named by their part once they have started (from the audit trail).
  const encodeTitles = await page.locator('li.task[data-kind="encode"] .task-head strong').allInnerTexts();
  assert.equal(encodeTitles, [
    'chunk 1 of 5 (all rungs)',
    'chunk 2 of 5 (all rungs)',
    'chunk 3 of 5 (all rungs)',
    'chunk 4 of 5 (all rungs)',
    'chunk 5 of 5 (all rungs)',
    'audio (whole programme)',
  ]);

  // The quality table: one row per video rung, figures, the sample, the threshold, passed.
  const rows = page.locator('table.quality tbody tr');
  await rows.nth(1).waitFor({ timeout: 30_000 });
  assert.is(await rows.count(), 2);
  for (const name of ['360p', '240p']) {
    const row = page.locator(`table.quality tr[data-rendition="${name}"]`);
    assert.is(await row.getAttribute('data-passed'), 'true', name);
    const psnr = Number(await row.locator('td[data-metric="psnr"]').getAttribute('data-mean'));
    assert.ok(psnr > 20 && psnr <= 100, `${name}: PSNR ${psnr}`);
    const text = await row.innerText();
    assert.match(text, /\d+\.\d{2} min \d+\.\d{2}/, `${name}: PSNR mean and min: ${text}`);
    assert.match(text, /0\.\d{4} min 0\.\d{4}/, `${name}: SSIM mean and min: ${text}`);
    assert.match(text, /3 segments/);
    assert.match(text, /PSNR ≥ 20 dB/);
    assert.match(text, /\d+:\d\d/, `${name}: the worst segment's time`);
    assert.match(text, /pass/);
  }
  await screenshot(page, 'chunked-job-completed');
  await page.locator('#chunks-h').scrollIntoViewIfNeeded();
  await page.evaluate(() => (globalThis as unknown as { scrollBy(x: number, y: number): void }).scrollBy(0, -60));
  await screenshot(page, 'chunked-job-completed-top', false);

  // The API agrees with what the page showed.
  const detail = (await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as JobDetail;
  assert.is(detail.state, 'completed');
  assert.is(detail.chunking?.chunks.length, 5);
  assert.ok(detail.tasks.some((t) => t.kind === 'stitch' && t.state === 'succeeded'));
  assert.equal(detail.quality.map((q) => q.rendition).sort(), ['240p', '360p']);

  // The output plays in hls.js and dash.js, from segments under cmaf/.
  const tPlay = Date.now();
  await page.locator('.player').waitFor();
  // hls.js starts loading as soon as the player shows (the job completed): its requests are all those before the switch.
  await plays(page, 'hls');
  const switched = requests.length;
  await plays(page, 'dash');
  const hls = requests.slice(0, switched);
  const dash = requests.slice(switched);
  timings.play = Date.now() - tPlay;
  for (const [engine, made] of [
    ['hls.js', hls],
    ['dash.js', dash],
  ] as const) {
    const media = made.filter((u) => /\.(m4s|mp4)(\?|$)/.test(u));
    assert.ok(
      media.some((u) => /\/cmaf\/(360p|240p)\/.*\.m4s/.test(u)),
      `${engine}: video segments fetched:\n${made.join('\n')}`,
    );
    assert.ok(
      media.every((u) => u.startsWith(`${s.url}/api/v1/jobs/${jobId}/outputs/cmaf/`)),
      `${engine}: every segment from cmaf/:\n${media.join('\n')}`,
    );
  }

  // The template's gate in the ladder editor's Quality gate section; an SSIM threshold added there is saved as v2.
  await page.goto(`${s.url}/#/ladders/${TEMPLATE.name}/edit`);
  await page.getByRole('heading', { name: `New version of ${TEMPLATE.name} (from v1)` }).waitFor();
  assert.is(await page.getByLabel('Quality gate', { exact: true }).inputValue(), 'set');
  assert.is(await page.getByLabel('Measured on', { exact: true }).inputValue(), 'segments');
  assert.is(await page.getByLabel('Sampled segments', { exact: true }).inputValue(), '3');
  assert.is(await page.getByLabel('Minimum mean PSNR, dB', { exact: true }).inputValue(), '20');
  assert.is(await page.getByLabel('Minimum mean SSIM (0–1)', { exact: true }).inputValue(), '');
  assert.is(await page.getByLabel('A rung below a threshold', { exact: true }).inputValue(), 'fail');
  await page.getByLabel('Minimum mean SSIM (0–1)', { exact: true }).fill('0.5');
  await page.getByLabel('A rung below a threshold', { exact: true }).selectOption('partial');
  await page.getByRole('group', { name: 'Quality gate' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'chunked-job-quality-gate-form', false);
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Saved: ${TEMPLATE.name} version 2.` })
    .waitFor();
  const v2 = (await (await api.get(`/api/v1/ladders/${TEMPLATE.name}`)).json()) as { version: number; template: { quality: unknown } };
  assert.equal(v2.template.quality, { sample: { segments: 3 }, thresholds: { psnr: 20, ssim: 0.5 }, onBelow: 'partial' });
  assert.match(
    await page.locator('dd', { hasText: 'SSIM ≥ 0.5' }).innerText(),
    /measured on 3 segments · PSNR ≥ 20 dB · SSIM ≥ 0.5 · below: leave the rung out/,
  );

  assert.equal(offAppliance(requests), [], 'nothing left the appliance');
  const realErrors = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.equal(realErrors, [], realErrors.join('\n'));
  timings.total = Date.now() - t0;
  console.log(
    `chunked-job timings (ms): ${JSON.stringify(timings)}; chunk states seen: ${[...seen].join(', ')}; ETA shown: ${[...etas].join(' | ') || 'none'}`,
  );
  assert.is(await s.stop(), 0);
});

test.run();

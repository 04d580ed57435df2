// The operator UI in a real Chromium against a real appliance (`mpegflow start`, real FFmpeg):
// log in, submit a generated clip, watch its progress bar reach 100 %, open the job, play
// HLS (hls.js) and DASH (dash.js) — objects encrypted at rest —, cancel a running job, and a viewer who cannot cancel.
// Nothing the pages load may come from anywhere but the appliance at 127.0.0.1.
import { createReadStream, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeClip } from '../helpers/appliance-crash.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { killServers, runCli, startServer, type Started } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { writeKekFile } from '../helpers/kek-file.js';
import { launchChromium, offAppliance, pageErrors, recordRequests, screenshot, submitJob } from './browser.js';
import { trustedFetch } from '../helpers/trusted-fetch.js';
import { totpCode } from '../../src/auth/totp.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** The page-side names the evaluated functions use (they run in Chromium, not in Node). */
interface HTMLVideoElement {
  currentTime: number;
  paused: boolean;
  currentSrc: string;
  src: string;
  play(): Promise<void>;
}
declare const document: {
  querySelector(selector: string): (HTMLVideoElement & { getAttribute(name: string): string | null; textContent: string | null }) | null;
  querySelectorAll(selector: string): { length: number };
};

const contexts: BrowserContext[] = [];
test.after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  killServers();
});

async function playFor(page: Page, seconds: number): Promise<{ currentTime: number; src: string; engine: string | null }> {
  const video = page.locator('video');
  // A play() that the engine's own source attach interrupts (AbortError) is asked again while the video stays paused.
  await video.evaluate((v: HTMLVideoElement) =>
    v.play().catch((e: Error) => {
      if (e.name !== 'AbortError') throw e;
    }),
  );
  await page.waitForFunction(
    (s) => {
      const v = document.querySelector('video');
      if (v?.paused) void v.play().catch(() => undefined);
      return (v?.currentTime ?? 0) > s;
    },
    seconds,
    { timeout: 30_000, polling: 250 },
  );
  return {
    currentTime: await video.evaluate((v: HTMLVideoElement) => v.currentTime),
    src: await video.evaluate((v: HTMLVideoElement) => v.currentSrc || v.src),
    engine: await page.locator('.player').getAttribute('data-engine'),
  };
}

test('operator UI: login → submit → progress 100 % → job detail → HLS and DASH play → cancel; a viewer cannot cancel', async () => {
  const cwd = tempDir('mpegflow-ui-');
  await preloadEncoderImage(cwd);
  const short = join(cwd, 'ui-clip.mp4');
  const long = join(cwd, 'ui-long.mp4');
  // 854x480: two video rungs (240p, 480p) for the rung selector.
  await makeClip(short, '854x480', 5);
  // Long enough to still be encoding after the viewer's and the dashboard's checks (~1 min of encoding).
  await makeClip(long, '640x360', 300);

  // A watch folder with one refused file (a symlink out of the folder), for the System page.
  const drop = join(cwd, 'drop');
  mkdirSync(drop);
  symlinkSync('/etc/hostname', join(drop, 'escape.mov'));
  writeFileSync(join(cwd, 'data', 'config.json'), JSON.stringify({ watchFolders: [{ path: drop, stableSeconds: 1, rescanSeconds: 1 }] }));

  // The encoder image is preloaded (test/helpers/preloaded-image.ts): the first start builds nothing.
  // Over HTTPS, as a fresh start serves it: Chromium and the test's own requests trust the appliance CA.
  // With encryption at rest, as a facility runs it: the players below read sealed objects through the API.
  const s: Started = await startServer({ cwd, timeoutMs: 300_000, env: { MPEGFLOW_PLAIN_HTTP: '', MPEGFLOW_KEK_FILE: writeKekFile(cwd) } });
  assert.match(s.output(), /encrypted at rest under kek-/);
  const caFile = join(cwd, 'data', 'tls', 'ca.crt');
  const fetch = trustedFetch(caFile);
  const adminPassword = readFileSync(join(cwd, 'data', 'secrets', 'admin.password'), 'utf8').trim();
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const bearer = { authorization: `Bearer ${token}` };
  assert.match(s.output(), /UI login: https:\/\/127\.0\.0\.1:\d+\/ as admin/);

  const admin = await launchChromium(undefined, { caFile });
  contexts.push(admin);
  const requests = recordRequests(admin);
  const page = admin.pages()[0] ?? (await admin.newPage());
  const errors = pageErrors(page);

  // Login (a wrong password first: a clear error, no session).
  await page.goto(`${s.url}/`);
  await page.getByLabel('User name').waitFor();
  await screenshot(page, '01-login');
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // An admin's password alone opens no session: the first sign-in sets up the authenticator.
  await page.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  assert.is(
    (await admin.cookies(s.url)).find((c) => c.name === 'mpegflow_session'),
    undefined,
    'no session before the code',
  );
  const totpSecret = (await page.getByTestId('totp-secret').textContent())!.trim();
  assert.match(totpSecret, /^[A-Z2-7]{32}$/);
  assert.is(await page.getByTestId('recovery-codes').locator('li').count(), 10, 'ten recovery codes, shown once');
  await screenshot(page, '01b-totp-enrollment');
  await page.getByLabel('Authenticator code').fill(totpCode(totpSecret, Date.now() + 10 * 60_000));
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong authenticator code' }).waitFor();
  await page.getByLabel('Authenticator code').fill(totpCode(totpSecret, Date.now()));
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  const cookies = await admin.cookies(s.url);
  const session = cookies.find((c) => c.name === 'mpegflow_session');
  assert.ok(session?.httpOnly, 'session cookie is HttpOnly');
  assert.ok(session?.secure, 'session cookie is Secure (HTTPS)');
  assert.is(session?.sameSite, 'Strict');
  await page.getByText('No jobs yet').waitFor();
  await page.locator('.live-dot.live').waitFor();
  await screenshot(page, '02-jobs-empty');

  // Submit: upload the clip through the browser (streamed PUT with a progress bar).
  await page.getByRole('link', { name: 'Submit', exact: true }).click();
  await page.getByRole('heading', { name: 'Submit a job' }).waitFor();
  await page.locator('#file').setInputFiles(short);
  await page.locator('#ladder option').first().waitFor({ state: 'attached' });
  await screenshot(page, '03-submit');
  const { row, jobId } = await submitJob(page);
  // The bar moves with live events and reaches 100 %.
  const bar = row.getByRole('progressbar', { name: `Progress of job ${jobId}` });
  let midShot = false;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const value = Number(await bar.getAttribute('aria-valuenow'));
    const state = await row.getAttribute('data-state');
    if (!midShot && value > 0 && value < 100) {
      await screenshot(page, '04-jobs-running');
      midShot = true;
    }
    if (value === 100 && state === 'completed') break;
    assert.ok(!['failed', 'cancelled', 'partial'].includes(state ?? ''), `job ended ${state}`);
    assert.ok(Date.now() < deadline, `job did not reach 100 % (at ${value} %, ${state})`);
    await page.waitForTimeout(150);
  }
  await screenshot(page, '05-jobs-completed');

  // Job detail: DAG, MediaInfo, plan, encoder, commands, audit timeline.
  await row.getByRole('link', { name: jobId }).click();
  await page.getByRole('heading', { name: `Job ${jobId}` }).waitFor();
  await page.locator('.task[data-task]').first().waitFor();
  await page.getByRole('heading', { name: 'Audit timeline' }).waitFor();
  await page.locator('.timeline li').filter({ hasText: 'job.completed' }).waitFor();
  // Each section loads on its own: wait for the encoder image's and the MediaInfo's, not for a time.
  await page.locator('.badge').filter({ hasText: 'verified' }).first().waitFor();
  await page.getByText('accepted').first().waitFor();
  const detailText = await page.locator('main').innerText();
  for (const expected of ['Probe', 'Encode', 'Package', 'accepted', 'verified', 'job.submitted', '-protocol_whitelist'])
    assert.ok(detailText.includes(expected), `job page lacks ${expected}`);
  assert.ok((await page.locator('.commands li').count()) >= 3, 'probe, encode and package commands shown');

  // The rung selector lists the master's video variants only (its audio-only variant is not a rung).
  const master = await (await fetch(`${s.url}/api/v1/jobs/${jobId}/outputs/hls/master.m3u8`, { headers: bearer })).text();
  const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
  const videoVariants = variants.filter((l) => l.includes('RESOLUTION='));
  assert.ok(videoVariants.length >= 2, `two video rungs in the master:\n${master}`);
  // Audio is in the master too (an audio-only variant or an audio rendition group); the selector must not offer it.
  assert.ok(/TYPE=AUDIO|CODECS="mp4a[^,"]*"/.test(master), master);
  const rungSelect = page.getByRole('combobox', { name: 'Rung' });
  await page.waitForFunction((n) => document.querySelectorAll('select[aria-label="Rung"] option').length === n + 1, videoVariants.length, { timeout: 30_000 });
  const options = await rungSelect.locator('option').allInnerTexts();
  assert.ok(
    options.slice(1).every((o) => /^\d+p · /.test(o)),
    options.join(' | '),
  );

  // HLS through hls.js (Media Source blob, not the browser's native m3u8 support).
  const hls = await playFor(page, 2);
  assert.ok(hls.engine?.startsWith('hls.js'), `engine ${hls.engine}`);
  assert.ok(hls.src.startsWith('blob:'), `video src ${hls.src}`);
  // Pick the lowest rung: playback goes on.
  const lowest = await rungSelect.locator('option').last().getAttribute('value');
  await rungSelect.selectOption(lowest!);
  const before = await page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.waitForFunction((t) => (document.querySelector('video')?.currentTime ?? 0) > t + 0.5, before, { timeout: 20_000 });
  await screenshot(page, '06-job-detail-hls');

  // DASH through dash.js.
  await page.getByRole('radio', { name: 'DASH' }).check();
  await page.waitForFunction(() => document.querySelector('.player')?.getAttribute('data-engine')?.startsWith('dash.js'), undefined, { timeout: 20_000 });
  const dash = await playFor(page, 2);
  assert.ok(dash.src.startsWith('blob:'), `video src ${dash.src}`);
  await page.waitForFunction((n) => document.querySelectorAll('select[aria-label="Rung"] option').length === n + 1, videoVariants.length, { timeout: 20_000 });
  assert.ok(
    (await rungSelect.locator('option').allInnerTexts()).slice(1).every((o) => /^\d+p · /.test(o)),
    'DASH rungs are video rungs',
  );
  await rungSelect.selectOption((await rungSelect.locator('option').nth(1).getAttribute('value'))!);
  const beforeDash = await page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.waitForFunction((t) => (document.querySelector('video')?.currentTime ?? 0) > t + 0.5, beforeDash, { timeout: 20_000 });
  await page.locator('.player').scrollIntoViewIfNeeded();
  await screenshot(page, '07-job-detail-dash', false);

  // System and admin pages, populated.
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByRole('heading', { name: 'System' }).waitFor();
  await page.locator('table').filter({ hasText: 'encode' }).first().waitFor();
  await page.getByRole('heading', { name: drop }).waitFor();
  const refusedRow = page.getByRole('row').filter({ hasText: 'escape.mov' });
  await refusedRow.waitFor({ timeout: 30_000 });
  assert.match((await refusedRow.textContent()) ?? '', /failed\s*INGEST_\w+/, 'the refusal shows its error code');
  await page.getByText('CPU (').waitFor();
  await screenshot(page, '08-system');

  // Nodes: a node in the store (as a cluster node registers itself) is listed; the admin drains it.
  const store = new SqliteStore({ path: join(cwd, 'data', 'mpegflow.db') });
  try {
    await store.change(async (tx) => {
      await tx.nodes.register({
        id: 'ui-node',
        host: 'ui-node.internal',
        process: 'ui-node:1:test',
        roles: ['worker'],
        pools: [{ name: 'encode', cores: [0], slots: 1 }],
        version: '0.0.0-test',
        images: ['b'.repeat(64)],
        startedAt: new Date().toISOString(),
        heartbeatAt: Date.now(),
      });
      await tx.audit({ type: 'node.joined', actor: 'test', payload: { nodeId: 'ui-node' } });
    });
    await page.getByRole('link', { name: 'Nodes' }).click();
    await page.getByRole('heading', { name: 'Nodes', exact: true }).waitFor();
    const nodeRow = page.locator('tr[data-node="ui-node"]');
    await nodeRow.waitFor();
    assert.match(await nodeRow.innerText(), /running[\s\S]*live[\s\S]*worker[\s\S]*bbbbbbbbbbbb/);
    await nodeRow.getByRole('button', { name: 'Drain ui-node' }).click();
    await page.getByRole('status').filter({ hasText: 'Node ui-node is draining' }).waitFor();
    await page.locator('tr[data-node="ui-node"][data-state="draining"]').getByRole('button', { name: 'Resume ui-node' }).waitFor();
    await screenshot(page, '08b-nodes');
    assert.is((await store.nodes.get('ui-node'))?.state, 'draining');
    assert.is((await store.audit.latest('node.drain_requested'))?.actor, 'user:admin', 'the drain is audited as the admin account');
  } finally {
    await store.close();
  }
  await page.getByRole('link', { name: 'Users & tokens' }).click();
  await page.getByRole('heading', { name: 'Users & tokens' }).waitFor();
  await page.getByRole('form', { name: 'Add a user' }).getByLabel('User name').fill('vera');
  await page.getByRole('form', { name: 'Add a user' }).getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Add user' }).click();
  const viewerPassword = (await page.locator('.notice .secret').innerText()).trim();
  assert.ok(viewerPassword.length >= 20);
  await page.locator('tr').filter({ hasText: 'vera' }).first().waitFor();
  await screenshot(page, '09-admin');

  // A long job, running: the viewer sees no cancel button and the API refuses the viewer.
  const up = await fetch(`${s.url}/api/v1/inputs/ui-long.mp4`, {
    method: 'PUT',
    headers: { ...bearer, 'content-type': 'application/octet-stream', 'content-length': String(statSync(long).size) },
    body: Readable.toWeb(createReadStream(long)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  assert.is(up.status, 201, await up.clone().text());
  const submitted = await fetch(`${s.url}/api/v1/jobs`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { key: 'ui-long.mp4' }, ladder: 'professional', packaging: ['hls', 'dash'] }),
  });
  assert.is(submitted.status, 201);
  const longJob = ((await submitted.json()) as { id: string }).id;

  const viewerContext = await launchChromium(undefined, { caFile });
  contexts.push(viewerContext);
  const viewerRequests = recordRequests(viewerContext);
  const vpage = viewerContext.pages()[0] ?? (await viewerContext.newPage());
  // Keyboard only: the user name field has focus, Tab to the password, Enter submits.
  await vpage.goto(`${s.url}/`);
  await vpage.getByLabel('User name').waitFor();
  await vpage.keyboard.type('vera');
  await vpage.keyboard.press('Tab');
  await vpage.keyboard.type(viewerPassword);
  await vpage.keyboard.press('Enter');
  await vpage.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  assert.is(await vpage.getByRole('link', { name: 'Submit', exact: true }).count(), 0, 'a viewer has no Submit link');
  await vpage.goto(`${s.url}/#/jobs/${longJob}`);
  await vpage.getByRole('heading', { name: `Job ${longJob}` }).waitFor();
  await vpage.waitForFunction(() => /encoding|probing/.test(document.querySelector('.page-head .badge')?.textContent ?? ''), undefined, { timeout: 60_000 });
  assert.is(await vpage.getByRole('button', { name: /cancel/i }).count(), 0, 'no cancel button for a viewer');
  assert.is(await vpage.getByRole('button', { name: /export audit bundle/i }).count(), 0, 'a viewer cannot export audit bundles');
  const refused = await vpage.evaluate(async (id) => {
    const r = await fetch(`/api/v1/jobs/${id}/cancel`, { method: 'POST', headers: { 'x-mpegflow-csrf': '1' } });
    return { status: r.status, body: (await r.json()) as { error: { code: string } } };
  }, longJob);
  assert.is(refused.status, 403);
  assert.is(refused.body.error.code, 'FORBIDDEN');
  await screenshot(vpage, '10-viewer-job');

  // The dashboard follows it live: fps and speed, an ETA, per-rung bars; also on a control-room screen.
  await page.goto(`${s.url}/#/jobs`);
  const liveRow = page.locator(`tr[data-job="${longJob}"]`);
  await liveRow.waitFor();
  await page.waitForFunction(
    (id) => {
      const cells = document.querySelector(`tr[data-job="${id}"]`)?.textContent ?? '';
      return /\d+ fps · [\d.]+×/.test(cells) && /\d+ (s|min)/.test(cells);
    },
    longJob,
    { timeout: 60_000 },
  );
  assert.ok(Number(await liveRow.getByRole('progressbar', { name: 'Rung 240p' }).getAttribute('aria-valuenow')) > 0, 'the rung bar moves');
  await screenshot(page, '10b-jobs-live', false);
  await page.setViewportSize({ width: 2560, height: 1440 });
  await screenshot(page, '12-jobs-control-room', false);
  await page.setViewportSize({ width: 1280, height: 720 });

  // The admin cancels it from the job page while it runs.
  await page.goto(`${s.url}/#/jobs/${longJob}`);
  await page.getByRole('heading', { name: `Job ${longJob}` }).waitFor();
  await page.waitForFunction(() => (document.querySelector('.page-head .badge')?.textContent ?? '') === 'encoding', undefined, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.getByRole('button', { name: 'Yes, cancel job' }).click();
  await page.getByRole('status').filter({ hasText: 'Job cancelled' }).waitFor();
  await page.waitForFunction(() => document.querySelector('.page-head .badge')?.textContent === 'cancelled', undefined, { timeout: 30_000 });
  await page.locator('.timeline li').filter({ hasText: 'job.cancelled' }).waitFor();
  await screenshot(page, '11-job-cancelled');
  const after = (await (await fetch(`${s.url}/api/v1/jobs/${longJob}`, { headers: bearer })).json()) as { state: string };
  assert.is(after.state, 'cancelled');
  const audit = (await (await fetch(`${s.url}/api/v1/jobs/${longJob}/audit`, { headers: bearer })).json()) as { items: { type: string; actor: string }[] };
  assert.ok(
    audit.items.some((e) => e.type === 'job.cancelled' && e.actor === 'user:admin'),
    'the cancel is audited as the admin account',
  );

  // Export: the admin downloads the job's signed audit bundle from its page; it verifies offline.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export audit bundle' }).click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^mpegflow-audit-.*\.tar$/);
  const bundle = join(cwd, download.suggestedFilename());
  await download.saveAs(bundle);
  await page.locator('.actions [role=status]').filter({ hasText: 'Downloaded' }).waitFor();
  const verified = runCli(['audit', 'verify-bundle', bundle], { cwd });
  assert.is(verified.code, 0, verified.stdout + verified.stderr);

  // Filters: text and state narrow the list; a filter that matches nothing says so.
  await page.goto(`${s.url}/#/jobs`);
  await page.locator('tr[data-job]').nth(1).waitFor();
  await page.getByLabel('Search').fill('ui-clip');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(
    (id) =>
      [...(document as unknown as { querySelectorAll(s: string): { getAttribute(n: string): string | null }[] }).querySelectorAll('tr[data-job]')]
        .map((r) => r.getAttribute('data-job'))
        .join() === id,
    jobId,
  );
  await page.getByLabel('Search').fill('');
  await page.getByLabel('State').selectOption('cancelled');
  await page.waitForFunction(
    (id) =>
      [...(document as unknown as { querySelectorAll(s: string): { getAttribute(n: string): string | null }[] }).querySelectorAll('tr[data-job]')]
        .map((r) => r.getAttribute('data-job'))
        .join() === id,
    longJob,
  );
  await page.getByLabel('State').selectOption('failed');
  await page.getByText('No job matches these filters.').waitFor();

  // Error state: a job that does not exist says so, with the API's code.
  await page.goto(`${s.url}/#/jobs/job_doesnotexist`);
  await page.getByRole('alert').filter({ hasText: 'JOB_NOT_FOUND' }).waitFor();
  await screenshot(page, '13-job-not-found', false);

  const outside = [...offAppliance(requests), ...offAppliance(viewerRequests)];
  assert.equal(outside, [], `requests left the appliance: ${outside.join(', ')}`);
  assert.ok(requests.some((u) => /\/outputs\/hls\/master\.m3u8$/.test(u)) && requests.some((u) => /\/outputs\/dash\/manifest\.mpd$/.test(u)));
  // The browser logs each 4xx answer (the first /whoami, the wrong password, the 404s above) as "Failed to load resource".
  const realErrors = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.equal(realErrors, [], realErrors.join('\n'));
  assert.is(await s.stop(), 0);
});

test.run();

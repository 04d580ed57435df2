// The job page's player on a real delivery, in a real Chromium against a real appliance
// (`mpegflow start`, real FFmpeg): a 720p25 master with three audio languages (eng, fra, spa:
// three sine tones) and two caption files (WebVTT English, SubRip French) through a template
// of two H.264 rungs and one HEVC Main 10 rung. In hls.js and then dash.js: playback advances,
// the three languages are listed, French is chosen (the engine's current track says fr and the
// French audio segments are fetched), English and then French captions show their cue text,
// and the HEVC rung the browser cannot decode is reported as skipped, not as a failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiClient } from '../helpers/api-client.js';
import { killServers, startServer } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { codecFamily, playlistName, skippedLine, skippedRenditions } from '../../ui/src/components/codecs.js';
import { launchChromium, offAppliance, pageErrors, recordRequests, screenshot } from './browser.js';

const contexts: BrowserContext[] = [];
test.after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  killServers();
});

/** 4 s of 1280x720 25 fps H.264; three AAC tracks tagged eng, fra, spa (440, 660, 880 Hz). */
async function makeMaster(out: string): Promise<void> {
  const ff = (await testImage()).argv('ffmpeg');
  const r = spawnSync(
    ff[0]!,
    [
      ...ff.slice(1),
      ...['-nostdin', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=4'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=4:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=660:duration=4:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=880:duration=4:sample_rate=48000'],
      ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2'],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:a:2', 'language=spa'],
      out,
    ],
    { env: { LC_ALL: 'C' }, encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
}

const TEMPLATE = {
  name: 'player-delivery',
  description: 'two H.264 rungs and an HEVC Main 10 rung; every audio language',
  encoderPreset: 'ultrafast',
  rungs: [
    { name: '360p', codec: 'h264', width: 640, height: 360, profile: 'main', rate: { mode: 'vbr', bitrateKbps: 600, maxrateKbps: 720, bufsizeKbps: 1200 } },
    { name: '720p', codec: 'h264', width: 1280, height: 720, profile: 'high', rate: { mode: 'vbr', bitrateKbps: 1500, maxrateKbps: 1800, bufsizeKbps: 3000 } },
    {
      name: '720p-hevc',
      codec: 'hevc',
      width: 1280,
      height: 720,
      profile: 'main10',
      range: 'sdr',
      rate: { mode: 'vbr', bitrateKbps: 1000, maxrateKbps: 1200, bufsizeKbps: 2000 },
    },
  ],
  audio: { select: { by: 'all' }, stereo: { bitrateKbps: 96 } },
};

// Cues long enough to be caught at a seek to 1 s or 2.5 s.
const VTT = 'WEBVTT\n\n00:00:00.100 --> 00:00:02.000\nHello from the English track\n\n00:00:02.000 --> 00:00:03.900\nSecond English cue\n';
const SRT = '1\r\n00:00:00,100 --> 00:00:02,000\r\nBonjour de la piste française\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,900\r\nDeuxième réplique\r\n';

test('codecs: families, playlist names, what an engine skipped grouped by the codec the browser lacks', () => {
  assert.equal(codecFamily('hvc1.2.4.L93.90'), { name: 'HEVC', kind: 'video' });
  assert.equal(codecFamily('avc1.64001f'), { name: 'H.264', kind: 'video' });
  assert.equal(codecFamily('ec-3'), { name: 'E-AC-3', kind: 'audio' });
  assert.equal(codecFamily('mp4a.40.2'), { name: 'AAC', kind: 'audio' });
  assert.is(playlistName('http://127.0.0.1:1/api/v1/jobs/j/outputs/hls/720p-hevc.m3u8?x=1'), '720p-hevc');
  const decodes = (c: string) => !/^(hvc1|ec-3)/.test(c);
  const offered = [
    { name: '720p', codecs: ['avc1.64001f', 'mp4a.40.2'] },
    { name: '1080p-hdr', codecs: ['hvc1.2.4.L123.90', 'mp4a.40.2'] },
    { name: '720p-hevc', codecs: ['hvc1.2.4.L93.90', 'mp4a.40.2'] },
    // HLS repeats a rung per audio group: counted once, and not at all while one of its variants plays.
    { name: '720p-hevc', codecs: ['hvc1.2.4.L93.90', 'ec-3'] },
    { name: '720p', codecs: ['avc1.64001f', 'ec-3'] },
    // DASH: an audio representation on its own.
    { name: 'audio-en-51', codecs: ['ec-3'] },
  ];
  const skipped = skippedRenditions(offered, new Set(['720p']), decodes);
  assert.equal(skipped, [
    { family: 'HEVC', kind: 'video', names: ['1080p-hdr', '720p-hevc'] },
    { family: 'E-AC-3', kind: 'audio', names: ['audio-en-51'] },
  ]);
  assert.is(skippedLine(skipped[0]!), 'HEVC rungs not playable in this browser: 2 (1080p-hdr, 720p-hevc)');
  assert.is(skippedLine(skipped[1]!), 'E-AC-3 audio not playable in this browser: 1 (audio-en-51)');
  assert.equal(skippedRenditions(offered.slice(0, 1), new Set(['720p']), decodes), []);
});

/** The page-side names the evaluated functions use (they run in Chromium, not in Node). */
interface PageTextTrack {
  mode: string;
  language: string;
  label: string;
  activeCues: ArrayLike<{ text?: string }> | null;
}
interface PageVideo {
  currentTime: number;
  paused: boolean;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
  textTracks: ArrayLike<PageTextTrack>;
}
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};

/** The player's data attribute, once it has this value. */
async function attr(page: Page, name: string, value: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction(([n, v]) => document.querySelector('.player')?.getAttribute(n!) === v, [name, value], { timeout });
  } catch (e) {
    const now = await page.locator('.player').getAttribute(name);
    throw new Error(`.player[${name}] is ${JSON.stringify(now)}, not ${JSON.stringify(value)}: ${(e as Error).message}`, { cause: e });
  }
}

/** Plays from `from` until currentTime passes `past` (the clip is 4 s long). */
async function playFrom(page: Page, from: number, past: number): Promise<void> {
  const video = page.locator('video');
  await video.evaluate((v: PageVideo, t) => {
    v.pause();
    v.currentTime = t;
    return v.play();
  }, from);
  await video.evaluate(
    (v: PageVideo, p) =>
      new Promise<void>((resolve, reject) => {
        const end = Date.now() + 30_000;
        const tick = () => (v.currentTime > p ? resolve() : Date.now() > end ? reject(new Error(`stuck at ${v.currentTime}`)) : setTimeout(tick, 50));
        tick();
      }),
    past,
  );
}

/**
 * The loudest frequency of what the video element plays, in Hz (Web Audio on the element, unmuted:
 * headless Chromium renders audio to no device, but the graph runs).
 */
async function loudestHz(page: Page): Promise<number> {
  return page.locator('video').evaluate(async (v: PageVideo) => {
    interface Analyser {
      fftSize: number;
      frequencyBinCount: number;
      context: { sampleRate: number; state: string; resume(): Promise<void> };
      getFloatFrequencyData(a: Float32Array): void;
    }
    const el = v as PageVideo & { analyser?: Analyser };
    if (!el.analyser) {
      const AC = (
        globalThis as unknown as {
          AudioContext: new () => { createMediaElementSource(v: unknown): { connect(n: unknown): void }; createAnalyser(): Analyser; destination: unknown };
        }
      ).AudioContext;
      const ctx = new AC();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      const source = ctx.createMediaElementSource(v);
      source.connect(analyser);
      (analyser as unknown as { connect(n: unknown): void }).connect(ctx.destination);
      el.analyser = analyser;
    }
    v.muted = false;
    const analyser = el.analyser;
    if (analyser.context.state !== 'running') await analyser.context.resume();
    await new Promise((r) => setTimeout(r, 400));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
    return bins[best]! > -90 ? (best * analyser.context.sampleRate) / analyser.fftSize : 0;
  });
}

/** The text of the cues active on the showing text tracks, with their language. */
async function shownCues(page: Page): Promise<string[]> {
  return page.locator('video').evaluate((v: PageVideo) =>
    Array.from(v.textTracks)
      .filter((t) => t.mode === 'showing')
      .flatMap((t) => Array.from(t.activeCues ?? []).map((c) => `${t.language}: ${c.text ?? ''}`)),
  );
}

async function waitForCue(page: Page, text: string): Promise<string[]> {
  const end = Date.now() + 30_000;
  for (;;) {
    const cues = await shownCues(page);
    if (cues.some((c) => c.includes(text))) return cues;
    assert.ok(Date.now() < end, `no cue "${text}" shown; showing: ${JSON.stringify(cues)}`);
    await page.waitForTimeout(100);
  }
}

async function checkEngine(page: Page, requests: string[], format: 'hls' | 'dash', hevcDecodes: boolean, timings: Record<string, number>): Promise<void> {
  const t0 = Date.now();
  const engine = format === 'hls' ? 'hls.js' : 'dash.js';
  const shot = (name: string) => screenshot(page, `delivery-player-${format}-${name}`, false);
  if (format === 'dash') await page.getByRole('radio', { name: 'DASH' }).check();
  await page.waitForFunction((e) => document.querySelector('.player')?.getAttribute('data-engine')?.startsWith(e), engine, { timeout: 30_000 });
  await page.locator('.player').scrollIntoViewIfNeeded();

  // Three audio languages, the default (English) current; captions Off, English, French.
  await attr(page, 'data-audio-tracks', '3');
  const audioMenu = page.getByRole('combobox', { name: 'Audio' });
  const captionMenu = page.getByRole('combobox', { name: 'Captions' });
  const languages = (menu: typeof audioMenu) =>
    menu.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { getAttribute(n: string): string | null }).getAttribute('data-language')));
  assert.equal(await languages(audioMenu), ['en', 'fr', 'es'], `${engine}: audio languages`);
  const audioLabels = await audioMenu.locator('option').allInnerTexts();
  assert.ok(/^English/.test(audioLabels[0]!) && /^French/.test(audioLabels[1]!) && /^Spanish/.test(audioLabels[2]!), audioLabels.join(' | '));
  await attr(page, 'data-audio-language', 'en');
  await attr(page, 'data-text-tracks', '2');
  assert.equal(await languages(captionMenu), [null, 'en', 'fr'], `${engine}: caption languages`);
  assert.equal((await captionMenu.locator('option').allInnerTexts())[0], 'Off');
  await attr(page, 'data-text-language', 'off');

  // Playback advances; what plays is an H.264 rung; HEVC is said to be skipped where the browser cannot decode it.
  await playFrom(page, 0, 1.2);
  timings[`${format} first play`] = Date.now() - t0;
  const rendition = await page.locator('.player').getAttribute('data-rendition');
  assert.ok(['360p', '720p'].includes(rendition ?? ''), `${engine} plays ${rendition}`);
  assert.match((await page.locator('.player').getAttribute('data-video-codec')) ?? '', /^avc1\./);
  assert.match(await page.locator('.player-playing').innerText(), new RegExp(`Playing ${rendition} \\(avc1\\.`));
  if (hevcDecodes) {
    assert.is(await page.locator('.player-skipped').count(), 0, `${engine}: nothing skipped where HEVC decodes`);
  } else {
    const note = page.locator('.player-skipped li');
    await note.first().waitFor();
    assert.equal(await note.allInnerTexts(), [
      `HEVC rungs not playable in this browser: 1 (720p-hevc) — skipped by ${engine}; the package still holds them for other players.`,
    ]);
    assert.is(await page.locator('.player').getAttribute('data-skipped'), 'HEVC:720p-hevc');
    assert.is(await page.getByRole('alert').count(), 0, `${engine}: a skipped rung is no error`);
  }
  assert.is(
    await page.getByRole('combobox', { name: 'Rung' }).locator('option').count(),
    hevcDecodes && format === 'hls' ? 4 : 3,
    `${engine}: auto + the playable rungs`,
  );
  const englishHz = await loudestHz(page);
  assert.ok(Math.abs(englishHz - 440) < 15, `${engine}: English plays 440 Hz, heard ${englishHz}`);

  // French: the engine's current track says fr, the French segments are fetched and played (660 Hz).
  const mark = requests.length;
  await page.locator('video').evaluate((v: PageVideo) => v.pause());
  await audioMenu.selectOption((await audioMenu.locator('option[data-language="fr"]').getAttribute('value'))!);
  await attr(page, 'data-audio-language', 'fr');
  await playFrom(page, 0, 1.2);
  await attr(page, 'data-audio-rendition', 'audio-fr');
  const french = requests.slice(mark).filter((u) => u.includes('/outputs/cmaf/audio-fr/'));
  assert.ok(
    french.some((u) => u.endsWith('/seg_00001.m4s')),
    `${engine}: French segments fetched after the switch:\n${requests.slice(mark).join('\n')}`,
  );
  const frenchHz = await loudestHz(page);
  assert.ok(Math.abs(frenchHz - 660) < 15, `${engine}: French plays 660 Hz, heard ${frenchHz}`);
  assert.match(await page.locator('.player-playing').innerText(), /audio audio-fr \(mp4a\.40\.2/);
  timings[`${format} audio switch`] = Date.now() - t0;
  await shot('french');

  // Captions: English shows its first cue at 1 s, then French; Off shows none.
  const caption = async (language: string) => {
    await page.locator('video').evaluate((v: PageVideo) => {
      v.pause();
      v.currentTime = 1;
    });
    await captionMenu.selectOption(language === 'off' ? 'off' : (await captionMenu.locator(`option[data-language="${language}"]`).getAttribute('value'))!);
    await attr(page, 'data-text-language', language);
  };
  await caption('en');
  assert.equal(await waitForCue(page, 'Hello from the English track'), ['en: Hello from the English track']);
  assert.ok(
    requests.some((u) => u.endsWith('/outputs/cmaf/text-en/text-en.vtt')),
    `${engine}: the English WebVTT file fetched`,
  );
  await shot('captions-en');
  await caption('fr');
  assert.equal(await waitForCue(page, 'Bonjour de la piste française'), ['fr: Bonjour de la piste française']);
  assert.ok(
    requests.some((u) => u.endsWith('/outputs/cmaf/text-fr/text-fr.vtt')),
    `${engine}: the French WebVTT file fetched`,
  );
  await shot('captions-fr');
  await caption('off');
  await page.waitForTimeout(300);
  assert.equal(await shownCues(page), [], `${engine}: no cue with captions off`);
  timings[`${format} total`] = Date.now() - t0;
}

test('delivery player: hls.js and dash.js list three audio languages, switch to French, show English and French captions, report the HEVC rung skipped', async () => {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const cwd = tempDir('mpegflow-ui-player-');
  await preloadEncoderImage(cwd);
  await makeMaster(join(cwd, 'clip.mp4'));
  writeFileSync(join(cwd, 'clip.en.vtt'), VTT);
  writeFileSync(join(cwd, 'clip.fr.srt'), SRT);
  const s = await startServer({ cwd, timeoutMs: 300_000 });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const api = apiClient(s.url, token);
  const json = { ...api.auth, 'content-type': 'application/json' };
  timings['master + start'] = Date.now() - t0;

  const created = await fetch(`${s.url}/api/v1/ladders`, { method: 'POST', headers: json, body: JSON.stringify(TEMPLATE) });
  assert.is(created.status, 201, await created.clone().text());
  for (const f of ['clip.mp4', 'clip.en.vtt', 'clip.fr.srt']) assert.is((await api.upload(join(cwd, f))).status, 201, f);
  const submitted = await api.submit({ input: { key: 'clip.mp4' }, ladder: TEMPLATE.name, captions: [{ key: 'clip.en.vtt' }, { key: 'clip.fr.srt' }] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;
  // An operator watches the preview (and needs no second factor to sign in).
  const user = await fetch(`${s.url}/api/v1/users`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'pia', role: 'operator' }) });
  assert.is(user.status, 201, await user.clone().text());
  const { password } = (await user.json()) as { password: string };

  const tJob = Date.now();
  let detail = { state: 'queued', error: null as unknown };
  for (let i = 0; i < 600 && !['completed', 'failed', 'partial', 'cancelled'].includes(detail.state); i++) {
    await new Promise((r) => setTimeout(r, 500));
    detail = (await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as typeof detail;
  }
  assert.is(detail.state, 'completed', JSON.stringify(detail));
  timings.job = Date.now() - tJob;
  const master = await (await api.get(`/api/v1/jobs/${jobId}/outputs/hls/master.m3u8`)).text();
  assert.is((master.match(/TYPE=AUDIO/g) ?? []).length, 3, master);
  assert.is((master.match(/TYPE=SUBTITLES/g) ?? []).length, 2, master);
  assert.match(master, /CODECS="hvc1\.2\.4\.L\d+\.90,mp4a\.40\.2"/);

  const tBrowser = Date.now();
  const context = await launchChromium({ width: 1280, height: 900 });
  contexts.push(context);
  const requests = recordRequests(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = pageErrors(page);
  await page.goto(`${s.url}/`);
  await page.getByLabel('User name').fill('pia');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  await page.goto(`${s.url}/#/jobs/${jobId}`);
  await page.getByRole('heading', { name: `Job ${jobId}` }).waitFor();
  await page.locator('.player').waitFor();
  // Chromium on Linux decodes HEVC only through a platform decoder (none here, headless and without GPU).
  const hevcDecodes = await page.evaluate(() =>
    (globalThis as unknown as { MediaSource: { isTypeSupported(t: string): boolean } }).MediaSource.isTypeSupported('video/mp4; codecs="hvc1.2.4.L93.90"'),
  );

  await checkEngine(page, requests, 'hls', hevcDecodes, timings);
  await checkEngine(page, requests, 'dash', hevcDecodes, timings);
  timings.browser = Date.now() - tBrowser;

  // Every segment came from cmaf/ under the job's outputs, with the session cookie (no token in a URL).
  const media = requests.filter((u) => /\.(m4s|mp4|vtt)$/.test(u));
  assert.ok(media.length > 0);
  assert.ok(
    media.every((u) => u.startsWith(`${s.url}/api/v1/jobs/${jobId}/outputs/cmaf/`)),
    media.join('\n'),
  );
  if (!hevcDecodes)
    assert.not.ok(
      requests.some((u) => u.includes('/cmaf/720p-hevc/')),
      'no HEVC segment requested where it cannot play',
    );
  assert.equal(offAppliance(requests), [], 'nothing left the appliance');
  const realErrors = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.equal(realErrors, [], realErrors.join('\n'));
  timings.total = Date.now() - t0;
  console.log(`delivery-player timings (ms): ${JSON.stringify(timings)}; HEVC decodes: ${hevcDecodes}`);
  assert.is(await s.stop(), 0);
});

test.run();

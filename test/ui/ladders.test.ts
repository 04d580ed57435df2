// The ladder templates UI in a real Chromium against a real appliance (`mpegflow start`, real
// FFmpeg): an operator lists the templates, copies the built-in professional with a changed
// rung, sees the appliance's problem at the field for a duplicate rung name (and beside the
// JSON at its line), saves it, makes a second version, diffs v1 and v2 field by field, and
// submits a job pinned to v1 that runs to completion. First, the UI's pure diff and JSON-path
// helpers on their own.
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffJson, jsonEqual, showValue } from '../../ui/src/ladder-diff.js';
import { spotOfPath } from '../../ui/src/json-lines.js';
import { makeClip } from '../helpers/appliance-crash.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { killServers, startServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { launchChromium, offAppliance, pageErrors, recordRequests, screenshot, submitJob } from './browser.js';
import { readFileSync } from 'node:fs';

const contexts: BrowserContext[] = [];
test.after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  killServers();
});

const rung = (name: string, height: number, bitrateKbps: number) => ({
  name,
  codec: 'h264',
  width: Math.round((height * 16) / 9),
  height,
  rate: { mode: 'vbr', bitrateKbps, maxrateKbps: bitrateKbps * 1.2, bufsizeKbps: bitrateKbps * 2 },
});

test('diffJson: field paths, rungs matched by name, added/removed/order, nothing for equal values', () => {
  const a = { gopSeconds: 2, rungs: [rung('240p', 240, 400), rung('720p', 720, 3000)], audio: { loudness: null }, packaging: ['hls', 'dash'] };
  assert.equal(diffJson(a, structuredClone(a)), []);
  assert.ok(jsonEqual({ x: 1, y: [1, { z: 2 }] }, { y: [1, { z: 2 }], x: 1 }), 'key order does not matter');
  const b = {
    gopSeconds: 4,
    rungs: [rung('240p', 240, 400), rung('1080p', 1080, 6000), { ...rung('720p', 720, 3500), codec: 'hevc' }],
    audio: { loudness: { standard: 'ebu-r128' } },
    packaging: ['hls'],
  };
  assert.equal(diffJson(a, b), [
    { path: 'gopSeconds', kind: 'changed', before: 2, after: 4 },
    { path: 'rungs[720p].codec', kind: 'changed', before: 'h264', after: 'hevc' },
    { path: 'rungs[720p].rate.bitrateKbps', kind: 'changed', before: 3000, after: 3500 },
    { path: 'rungs[720p].rate.maxrateKbps', kind: 'changed', before: 3600, after: 4200 },
    { path: 'rungs[720p].rate.bufsizeKbps', kind: 'changed', before: 6000, after: 7000 },
    { path: 'rungs[1080p]', kind: 'added', after: b.rungs[1] },
    { path: 'audio.loudness', kind: 'changed', before: null, after: { standard: 'ebu-r128' } },
    { path: 'packaging.1', kind: 'removed', before: 'dash' },
  ]);
  // The same rungs in another order: one order line, no field lines.
  assert.equal(diffJson({ rungs: [rung('a', 240, 1), rung('b', 480, 2)] }, { rungs: [rung('b', 480, 2), rung('a', 240, 1)] }), [
    { path: 'rungs (order)', kind: 'changed', before: ['a', 'b'], after: ['b', 'a'] },
  ]);
  // Unnamed (or duplicate-named) elements compare by position; a new key is added.
  assert.equal(diffJson({ l: [{ x: 1 }] }, { l: [{ x: 2 }], m: 3 }), [
    { path: 'l.0.x', kind: 'changed', before: 1, after: 2 },
    { path: 'm', kind: 'added', after: 3 },
  ]);
  assert.is(showValue(undefined), '—');
  assert.is(showValue('sdr'), '"sdr"');
  assert.is(showValue({ a: 1 }), '{"a":1}');
});

test('spotOfPath: the line of a problem path in the JSON text, the nearest existing parent, null for broken JSON', () => {
  const text = JSON.stringify({ gopSeconds: 2, rungs: [{ name: '240p', rate: { mode: 'vbr' } }, { name: '240p' }] }, null, 2);
  const lines = text.split('\n');
  const line = (path: string) => spotOfPath(text, path)?.line;
  assert.is(lines[line('rungs.1.name')! - 1]!.trim(), '"name": "240p"');
  assert.ok(line('rungs.1.name')! > line('rungs.0.name')!);
  assert.is(lines[line('rungs.0.rate.mode')! - 1]!.trim(), '"mode": "vbr"');
  // A field the text lacks points at its object.
  assert.is(line('rungs.1.rate.bitrateKbps'), line('rungs.1'));
  assert.is(line(''), 1);
  assert.is(text.slice(spotOfPath(text, 'gopSeconds')!.offset, spotOfPath(text, 'gopSeconds')!.offset + 1), '2');
  assert.is(spotOfPath('{"a": [1, 2', 'a.0'), null);
  assert.is(spotOfPath('{"a": 1} x', 'a'), null);
  assert.is(spotOfPath('{"a\\"b": {"c": [true, null, -1.5e3]}}', 'a"b.c.2')?.line, 1);
});

test('ladder templates UI: list → view professional → copy with a changed rung (a duplicate name refused at its field) → v2 → diff v1/v2 → a job pinned to v1', async () => {
  const cwd = tempDir('mpegflow-ui-ladders-');
  await preloadEncoderImage(cwd);
  const master = join(cwd, 'ladder-clip.mp4');
  await makeClip(master, '854x480', 4);
  const s = await startServer({ cwd, timeoutMs: 300_000 });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const bearer = { authorization: `Bearer ${token}` };
  const apiGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${s.url}/api/v1${path}`, { headers: bearer });
    assert.is(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  };
  // An operator keeps the templates (and needs no second factor to sign in).
  const created = await fetch(`${s.url}/api/v1/users`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'olga', role: 'operator' }),
  });
  assert.is(created.status, 201, await created.clone().text());
  const { password } = (await created.json()) as { password: string };

  const context = await launchChromium({ width: 1440, height: 900 });
  contexts.push(context);
  const requests = recordRequests(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = pageErrors(page);
  await page.goto(`${s.url}/`);
  await page.getByLabel('User name').fill('olga');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();

  // The list: professional, built in, its rungs in one line.
  await page.getByRole('link', { name: 'Ladders', exact: true }).click();
  await page.getByRole('heading', { name: 'Ladders', exact: true }).waitFor();
  const pro = page.locator('tr[data-ladder="professional"]');
  await pro.waitFor();
  const proText = await pro.innerText();
  assert.match(proText, /built in/);
  assert.match(proText, /v1/);
  assert.match(proText, /5 rungs · H\.264 SDR 240p–2160p/);
  assert.match(proText, /AAC stereo 128 kb\/s/);
  assert.match(proText, /HLS \+ DASH/);
  await screenshot(page, 'ladders-01-list');

  // The template view: rungs, settings, versions.
  await pro.getByRole('link', { name: 'professional', exact: true }).click();
  await page.getByRole('heading', { name: 'Ladder template professional' }).waitFor();
  const rungRows = page.getByRole('table', { name: 'Rungs', exact: true }).locator('tbody tr');
  assert.is(await rungRows.count(), 5);
  assert.match(
    await page.locator('tr[data-rung="1080p"]').innerText(),
    /H\.264 high[\s\S]*1920×1080[\s\S]*VBR 6000 kb\/s · max 7200 · buf 12000 kb\/s[\s\S]*any[\s\S]*sdr/,
  );
  const settings = await page.locator('main').innerText();
  for (const expected of [
    'tone-map to SDR',
    'skip those rungs',
    'every language of the master',
    'extracted as WebVTT',
    'the appliance default',
    'Only one version so far',
  ])
    assert.ok(settings.includes(expected), `the view lacks ${expected}`);
  assert.is(await page.getByRole('link', { name: 'New version' }).count(), 0, 'a built-in template has no New version');
  await screenshot(page, 'ladders-02-professional');

  // Copy it: a new name, the 720p rung's bitrate changed, 2160p made HEVC HDR — and a duplicate rung name first.
  await page.getByRole('link', { name: 'Copy to a new template' }).click();
  await page.getByRole('heading', { name: 'New template from professional v1' }).waitFor();
  assert.is(await page.getByLabel('Name', { exact: true }).inputValue(), 'professional-copy');
  await page.getByLabel('Name', { exact: true }).fill('web-hevc');
  await page.getByLabel('Description', { exact: true }).fill('professional with a leaner 720p and an HEVC HDR top rung');
  await page.getByLabel('Rung 3 bitrate, kb/s').fill('2500');
  await page.getByLabel('Rung 5 codec').selectOption('hevc');
  await page.getByLabel('Rung 5 profile').selectOption('main10');
  await page.getByLabel('Rung 5 range').selectOption('hdr');
  await page.getByLabel('Rung 5 name').fill('2160p-hdr');
  await page.getByLabel('Encoder preset (x264/x265)', { exact: true }).selectOption('veryfast');
  await page.getByLabel('Rung 2 name').fill('240p');
  await page.getByRole('button', { name: 'Create template' }).click();
  const refusal = page.getByRole('alert', { name: 'The appliance refused this template' });
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /LADDER_INVALID/);
  const atField = page.locator('tr.problem-row [data-problem-path="rungs.1.name"]');
  await atField.waitFor();
  assert.match(await atField.innerText(), /duplicate rung name "240p"/);
  assert.is(await page.getByLabel('Rung 2 name').getAttribute('aria-invalid'), 'true');
  assert.is(await page.getByLabel('Rung 1 name').getAttribute('aria-invalid'), 'false');
  await screenshot(page, 'ladders-03-problem-at-field');
  // The same answer beside the JSON, at the line of rungs.1.name; "line N" puts the cursor there.
  await page.getByRole('button', { name: 'JSON', exact: true }).click();
  const json = page.getByLabel('Template JSON (name and description above)');
  await json.waitFor();
  const goTo = refusal.getByRole('button', { name: /^Go to line \d+ \(rungs\.1\.name\)$/ });
  await goTo.waitFor();
  const line = Number(/line (\d+)/.exec((await goTo.innerText()) ?? '')?.[1]);
  assert.is(((await json.inputValue()).split('\n')[line - 1] ?? '').trim(), '"name": "240p",');
  await goTo.click();
  const selected = await json.evaluate((t: { value: string; selectionStart: number; selectionEnd: number }) => t.value.slice(t.selectionStart, t.selectionEnd));
  assert.is(selected.trim(), '"name": "240p",');
  await screenshot(page, 'ladders-04-problem-beside-json');
  // Fixed in the JSON, back to the form (which shows the fix), then saved.
  const text = await json.inputValue();
  const lines = text.split('\n');
  lines[line - 1] = lines[line - 1]!.replace('"240p"', '"480p"');
  await json.fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Form', exact: true }).click();
  assert.is(await page.getByLabel('Rung 2 name').inputValue(), '480p');
  await page.getByRole('button', { name: 'Create template' }).click();
  await page.getByRole('heading', { name: 'Ladder template web-hevc' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Saved: web-hevc version 1.' }).waitFor();
  assert.match(await page.locator('main').innerText(), /5 rungs · H\.264 SDR 240p–1080p · HEVC HDR 2160p/);
  assert.match(await page.locator('tr[data-rung="720p"]').innerText(), /VBR 2500 kb\/s/);
  assert.match(await page.locator('tr[data-rung="2160p-hdr"]').innerText(), /HEVC main10[\s\S]*hdr/);
  await page.getByText('veryfast (x264/x265)').waitFor();
  const v1 = await apiGet<{ version: number; createdBy: string; template: { rungs: { name: string; rate: { bitrateKbps: number } }[] } }>('/ladders/web-hevc');
  assert.is(v1.version, 1);
  assert.is(v1.createdBy, 'user:olga');
  assert.is(v1.template.rungs[2]?.rate.bitrateKbps, 2500);
  await screenshot(page, 'ladders-05-created');

  // A second version: the 720p rung back up a little, EBU R128 loudness, DASH captions as IMSC1.
  await page.getByRole('link', { name: 'New version' }).click();
  await page.getByRole('heading', { name: 'New version of web-hevc (from v1)' }).waitFor();
  assert.is(await page.getByLabel('Name', { exact: true }).getAttribute('readonly'), '');
  // A bitrate the schema refuses (VALIDATION_FAILED naming the field) is shown at that field too.
  await page.getByLabel('Rung 3 bitrate, kb/s').fill('5');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.locator('tr.problem-row [data-problem-path="rungs.2.rate.bitrateKbps"]').waitFor();
  assert.match(await refusal.innerText(), /VALIDATION_FAILED/);
  assert.is(await page.getByLabel('Rung 3 bitrate, kb/s').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Rung 3 bitrate, kb/s').fill('2800');
  await page.getByLabel('Loudness', { exact: true }).selectOption('ebu-r128');
  await page.getByLabel('DASH captions', { exact: true }).selectOption('imsc1');
  await screenshot(page, 'ladders-06-new-version-form');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved: web-hevc version 2.' }).waitFor();
  // Saving it again unchanged makes no version 3.
  await page.getByRole('link', { name: 'New version' }).click();
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.getByRole('status').filter({ hasText: 'Nothing changed: web-hevc stays at version 2.' }).waitFor();
  assert.is((await apiGet<{ versions: unknown[] }>('/ladders/web-hevc')).versions.length, 2);

  // Diff v1 → v2 (the default pair): exactly the three edits, field by field.
  const diff = page.getByRole('table', { name: 'Changes from v1 to v2' });
  await diff.waitFor();
  const row = (path: string) => diff.locator(`tr[data-path="${path}"]`);
  assert.match(await row('rungs[720p].rate.bitrateKbps').innerText(), /2500\s+2800/);
  const loudness = await row('audio.loudness').innerText();
  assert.match(loudness, /^audio\.loudness\s+null\s+\{/);
  for (const part of ['"standard":"ebu-r128"', '"integratedLufs":-23', '"truePeakDbtp":-1', '"lra":7']) assert.ok(loudness.includes(part), loudness);
  assert.match(await row('captions.dashFormat').innerText(), /"webvtt"\s+"imsc1"/);
  assert.is(await diff.locator('tbody tr').count(), 3);
  await diff.scrollIntoViewIfNeeded();
  await screenshot(page, 'ladders-07-diff');
  // Reversed: v2 → v1 reads the other way round.
  await page.getByLabel('From version').selectOption('2');
  await page.getByLabel('To version').selectOption('1');
  await page
    .getByRole('table', { name: 'Changes from v2 to v1' })
    .locator('tr[data-path="rungs[720p].rate.bitrateKbps"]')
    .filter({ hasText: /2800\s*2500/ })
    .waitFor();
  // Any version can be viewed.
  await page.getByRole('link', { name: 'View version 1' }).click();
  await page.getByText('an older version (latest v2)').waitFor();
  assert.match(await page.locator('tr[data-rung="720p"]').innerText(), /VBR 2500 kb\/s/);
  await screenshot(page, 'ladders-08-version-1');

  // The list now has both templates.
  await page.getByRole('link', { name: 'Ladders', exact: true }).click();
  const mine = page.locator('tr[data-ladder="web-hevc"]');
  await mine.waitFor();
  assert.match(await mine.innerText(), /v2[\s\S]*HEVC HDR 2160p[\s\S]*EBU R128/);
  assert.is(await mine.getByRole('link', { name: 'New version of web-hevc' }).count(), 1);

  // Submit with the template pinned at v1 (the newest is v2): the job says web-hevc v1 and runs.
  await page.getByRole('link', { name: 'Submit', exact: true }).click();
  await page.getByRole('heading', { name: 'Submit a job' }).waitFor();
  await page.locator('#ladder option[value="web-hevc"]').waitFor({ state: 'attached' });
  assert.is(await page.locator('#ladder').inputValue(), 'professional', 'professional stays the default');
  await page.locator('#ladder').selectOption('web-hevc');
  await page.locator('#ladder-version option[value="1"]').waitFor({ state: 'attached' });
  assert.match(await page.locator('#ladder-version option').first().innerText(), /latest \(v2\)/);
  await page.locator('#ladder-version').selectOption('1');
  await page.locator('#file').setInputFiles(master);
  await screenshot(page, 'ladders-09-submit');
  const { row: jobRow, jobId } = await submitJob(page);
  assert.match(await jobRow.innerText(), /web-hevc v1/);
  const deadline = Date.now() + 180_000;
  let job: { state: string; ladder: string; ladderVersion: number; renditions: { name: string }[]; error: unknown };
  for (;;) {
    job = await apiGet(`/jobs/${jobId}`);
    if (['completed', 'failed', 'partial', 'cancelled'].includes(job.state)) break;
    assert.ok(Date.now() < deadline, `job ${jobId} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.is(job.state, 'completed', JSON.stringify(job.error));
  assert.is(job.ladder, 'web-hevc');
  assert.is(job.ladderVersion, 1);
  // 854x480 master: the rungs up to 480p (never upscaled); the HDR rung is skipped on an SDR master.
  const videoRungs = job.renditions.map((r) => r.name).filter((n) => /^\d+p/.test(n));
  assert.equal(videoRungs.sort(), ['240p', '480p']);
  await jobRow.getByRole('link', { name: jobId }).click();
  await page.getByRole('heading', { name: `Job ${jobId}` }).waitFor();
  await page.getByRole('link', { name: 'web-hevc v1' }).click();
  await page.getByRole('heading', { name: 'Ladder template web-hevc' }).waitFor();
  await page.getByText('an older version (latest v2)').waitFor();

  const outside = offAppliance(requests);
  assert.equal(outside, [], `requests left the appliance: ${outside.join(', ')}`);
  // The browser logs each 4xx answer (the first /whoami, the refused template) as "Failed to load resource".
  const realErrors = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.equal(realErrors, [], realErrors.join('\n'));
  assert.is(await s.stop(), 0);
});

test.run();

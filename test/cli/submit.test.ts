import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerType } from '@hono/node-server';
import { listen } from '../../appliance/listen.js';
import { bin, cleanEnv, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { apiApp } from '../http/jobs-api-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

let f: Awaited<ReturnType<typeof apiApp>>;
let server: ServerType;
let url = '';
let clip = '';
const cwd = tempDir('mpegflow-submit-');

/** The real CLI in a child process (async: the server runs in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test.before(async () => {
  f = await apiApp({ runtime: true });
  const started = await listen(f.app.fetch, '127.0.0.1', 0);
  server = started.server;
  url = `http://127.0.0.1:${started.port}`;
  const made = await f.fixture!.clip('src.mp4', testClipArgs('426x240', 2));
  clip = join(cwd, 'trailer final.mp4');
  writeFileSync(clip, readFileSync(join(f.fixture!.data, made)));
});
test.after(async () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await f.close();
});

test('submit uploads the file, submits a job and prints its id', async () => {
  const r = await cli(['submit', clip, '--url', url, '--token', f.tokens.operator]);
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^job_\w+$/);
  const info = await f.objects.stat('input', 'trailer final.mp4');
  assert.is(info.sha256, createHash('sha256').update(readFileSync(clip)).digest('hex'));
  const job = await f.runtime!.get(id);
  assert.is(job.input.key, 'trailer final.mp4');
  assert.is(job.ladder, 'professional');
  assert.equal(job.packaging, ['hls', 'dash']);
  assert.match(r.stderr, /uploaded trailer final\.mp4/);
  await f.fixture!.waitFor(id, ['completed', 'failed', 'partial', 'cancelled']);
});

test('--wait follows the job with plain progress lines (stderr is not a TTY) and exits 0 on completed', async () => {
  const r = await cli(['submit', clip, '--wait', '--url', url], { MPEGFLOW_TOKEN: f.tokens.admin });
  assert.is(r.code, 0, r.stderr);
  const [id, state] = r.stdout.trim().split('\n');
  assert.match(id ?? '', /^job_/);
  assert.is(state, 'completed');
  // eslint-disable-next-line no-control-regex -- the test asserts there is no ESC byte
  assert.not.match(r.stderr, /\r|\x1b\[/, 'no terminal control codes in a pipe');
  assert.match(r.stderr, new RegExp(`${id} completed`));
  assert.is((await f.runtime!.get(id!)).state, 'completed');
});

test('--caption FILE[:LANG]: each caption uploaded like the master, passed with its language; the pinned ladder version beside the id', async () => {
  const vtt = join(cwd, 'trailer final.fr.vtt');
  writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nBonjour\n');
  const srt = join(cwd, 'subs.srt');
  writeFileSync(srt, '1\n00:00:00,000 --> 00:00:01,500\nHallo\n');
  const r = await cli(['submit', clip, '--ladder-version', '1', '--caption', vtt, '--caption', `${srt}:de`, '--url', url, '--token', f.tokens.operator]);
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^job_\w+$/, 'stdout is the job id alone');
  assert.match(r.stderr, new RegExp(`^submitted ${id}: ladder professional version 1, hls\\+dash, 2 caption files$`, 'm'));
  assert.match(r.stderr, /^uploaded trailer final\.fr\.vtt \(\d+ bytes, sha256 [0-9a-f]{64}; captions, language fr\)$/m);
  assert.match(r.stderr, /^uploaded subs\.srt .*language de\)$/m);
  for (const [key, file] of [
    ['trailer final.fr.vtt', vtt],
    ['subs.srt', srt],
  ] as const) {
    assert.is((await f.objects.stat('input', key)).sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
  }
  const audit = (await (await f.app.request(`/api/v1/jobs/${id}/audit`, { headers: { authorization: `Bearer ${f.tokens.viewer}` } })).json()) as {
    items: Array<{ type: string; payload: { ladder: string; ladderVersion: number; captions: unknown } }>;
  };
  const submitted = audit.items.find((e) => e.type === 'job.submitted')!;
  assert.equal([submitted.payload.ladder, submitted.payload.ladderVersion], ['professional', 1]);
  assert.equal(submitted.payload.captions, [
    { key: 'trailer final.fr.vtt', language: 'fr' },
    { key: 'subs.srt', language: 'de' },
  ]);
  assert.is((await f.runtime!.get(id)).ladderVersion, 1);
  await f.app.request(`/api/v1/jobs/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${f.tokens.operator}` } });
  await f.fixture!.waitFor(id, ['completed', 'failed', 'partial', 'cancelled']);

  // Refused before any upload: a template version that does not exist, a file that is not a caption file.
  const v2 = await cli(['submit', clip, '--ladder-version', '2', '--url', url, '--token', f.tokens.operator]);
  assert.is(v2.code, 1);
  assert.match(v2.stderr, /^mpegflow: submit: LADDER_VERSION_UNKNOWN: /);
  const notes = join(cwd, 'notes.txt');
  writeFileSync(notes, 'not captions');
  const txt = await cli(['submit', clip, '--caption', `${notes}:en`, '--url', url, '--token', f.tokens.operator]);
  assert.is(txt.code, 1);
  assert.match(txt.stderr, /^mpegflow: --caption \S+notes\.txt:en: notes\.txt is not a caption file/);
  const twice = await cli(['submit', clip, '--caption', vtt, '--caption', `${vtt}:en`, '--url', url, '--token', f.tokens.operator]);
  assert.is(twice.code, 2);
  assert.match(twice.stderr, /also named trailer final\.fr\.vtt/);
  for (const r of [v2, txt]) {
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, /uploaded/);
  }
  assert.is(await f.objects.stat('input', 'notes.txt').catch(() => null), null, 'nothing uploaded');
});

test('refusals are one line and exit 1: unknown ladder, wrong token, viewer, missing file, no server', async () => {
  const ladder = await cli(['submit', clip, '--ladder', 'amateur', '--url', url, '--token', f.tokens.operator]);
  assert.is(ladder.code, 1);
  assert.match(ladder.stderr, /^mpegflow: submit: LADDER_UNKNOWN: unknown ladder/);
  const wrong = await cli(['submit', clip, '--url', url, '--token', 'nope']);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /UNAUTHENTICATED/);
  const viewer = await cli(['submit', clip, '--url', url, '--token', f.tokens.viewer]);
  assert.is(viewer.code, 1);
  assert.match(viewer.stderr, /FORBIDDEN/);
  const missing = await cli(['submit', join(cwd, 'nope.mov'), '--url', url, '--token', f.tokens.operator]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*nope\.mov: ENOENT/);
  const down = await cli(['submit', clip, '--url', 'http://127.0.0.1:9', '--token', 'x']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /cannot reach the appliance at http:\/\/127\.0\.0\.1:9/);
  for (const r of [ladder, wrong, viewer, missing, down]) assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('usage errors exit 2: no FILE, a bad --packaging, an unknown option', async () => {
  for (const args of [
    ['submit'],
    ['submit', clip, '--packaging', 'smooth'],
    ['submit', clip, '--priority', '1'],
    ['submit', clip, '--ladder-version', 'two'],
  ]) {
    const r = await cli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /Usage: mpegflow/);
  }
});

test('the token comes from the data dir admin token when neither --token nor MPEGFLOW_TOKEN is set', async () => {
  const dataDir = tempDir('mpegflow-submit-data-');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dataDir, 'secrets'), { recursive: true });
  writeFileSync(join(dataDir, 'secrets', 'admin.token'), `${f.tokens.admin}\n`, { mode: 0o600 });
  const port = new URL(url).port;
  const r = await cli(['submit', clip], { MPEGFLOW_DATA_DIR: dataDir, MPEGFLOW_PORT: port });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^job_/);
  await f.fixture!.waitFor(r.stdout.trim(), ['completed', 'failed', 'partial', 'cancelled']);
});

test.run();

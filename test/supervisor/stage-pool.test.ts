import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolConfig } from '../../src/config/schema.js';
import { StagePool } from '../../src/supervisor/stage-pool.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';

const GiB = 2 ** 30;
const pool = (over: Partial<PoolConfig> = {}) =>
  new StagePool('encode', { cores: [1], slots: 1, timeoutSeconds: 60, memoryLimitBytes: 4 * GiB, maxAttempts: 3, ...over });
/** Running (a zombie left by a dead worker thread's handle has no threads, memory or files: not alive). */
const alive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** A long realtime encode: runs until killed (30 s of 25 fps, read at native rate). */
const slowEncode = [
  '-hide_banner',
  '-re',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=320x240:rate=25',
  '-t',
  '30',
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-f',
  'null',
  '-',
];

let clip = '';
test.before(async () => {
  const img = await testImage();
  clip = join(tempDir(), 'clip.mp4');
  const argv = img.argv('ffmpeg');
  const r = spawnSync(
    argv[0]!,
    [
      ...argv.slice(1),
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      clip,
    ],
    { env: { LC_ALL: 'C' } },
  );
  assert.is(r.status, 0, String(r.stderr));
});

test('a probe runs ffprobe from the verified image and returns its JSON and exact argv', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = new StagePool('probe', { cores: [0], slots: 2, timeoutSeconds: 60, memoryLimitBytes: 4 * GiB, maxAttempts: 3 });
  const r = await p.run(
    't-probe',
    ref,
    trust,
    { binary: 'ffprobe', args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-i', clip] },
    { stdout: 'collect' },
  );
  await p.close();
  assert.is(r.outcome, 'succeeded', r.stderrTail);
  const json = JSON.parse(r.stdout) as { streams: { codec_name: string }[] };
  assert.is(json.streams[0]?.codec_name, 'h264');
  assert.is(r.imageId, ref.id);
  assert.ok(r.argv.includes('-protocol_whitelist'), r.argv.join(' '));
  assert.ok(r.argv.includes(clip));
});

test('the encoder is confined to its pool cores, reports progress, and cancel kills it within 2 s', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = pool({ cores: [1] });
  const abort = new AbortController();
  let pid = 0;
  let progressBlocks = 0;
  const running = p.run(
    't-cancel',
    ref,
    trust,
    { binary: 'ffmpeg', args: ['-progress', 'pipe:1', '-stats_period', '0.2', ...slowEncode] },
    {
      stdout: 'progress',
      signal: abort.signal,
      onSpawned: (s) => {
        pid = s.pid;
      },
      onProgress: () => progressBlocks++,
    },
  );
  // Wait for the encoder to be up and reporting (the first spawn in a fresh worker thread re-hashes the image).
  for (let waited = 0; progressBlocks === 0 && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  assert.ok(pid > 0, 'spawned');
  // Read once ffmpeg reports: at spawn the pid may still be taskset, before it set the affinity and exec'd.
  const cpus = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
  assert.is(cpus, '1', 'pinned to the pool core');
  assert.ok(progressBlocks > 0, 'progress reported');
  const t0 = Date.now();
  abort.abort();
  const r = await running;
  const took = Date.now() - t0;
  assert.is(r.outcome, 'cancelled');
  assert.is(r.errorCode, 'CANCELLED');
  assert.ok(took < 2000, `cancel took ${took} ms`);
  assert.not.ok(alive(pid), 'process gone');
  await p.close();
});

test('the memory guard kills a process over the pool limit: OOM_KILLED', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = pool({ memoryLimitBytes: 40 * 2 ** 20 });
  const r = await p.run('t-oom', ref, trust, {
    binary: 'ffmpeg',
    args: ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '20', '-c:v', 'libx264', '-preset', 'medium', '-f', 'null', '-'],
  });
  await p.close();
  assert.is(r.outcome, 'oom_killed');
  assert.is(r.errorCode, 'OOM_KILLED');
  assert.ok(r.peakRssBytes > 40 * 2 ** 20);
  assert.not.ok(alive(r.pid!), 'process gone');
});

test('a task over its timeout is killed: TIMED_OUT', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = pool({ timeoutSeconds: 1 });
  const t0 = Date.now();
  const r = await p.run('t-timeout', ref, trust, { binary: 'ffmpeg', args: slowEncode });
  await p.close();
  assert.is(r.errorCode, 'TIMED_OUT');
  assert.ok(Date.now() - t0 < 5000);
});

test('a failing ffmpeg is EXIT_NONZERO with its stderr tail', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = pool();
  const r = await p.run('t-fail', ref, trust, { binary: 'ffmpeg', args: ['-hide_banner', '-i', join(tempDir(), 'missing.mov'), '-f', 'null', '-'] });
  await p.close();
  assert.is(r.outcome, 'failed');
  assert.is(r.errorCode, 'EXIT_NONZERO');
  assert.match(r.stderrTail, /No such file or directory/);
});

test('a worker thread crash fails only its task, kills its encoder, and the pool goes on', async () => {
  const { ref, trust } = await signedImageCopy();
  const p = pool();
  let pid = 0;
  const crashed = await p.run('t-crash', ref, trust, { binary: 'ffmpeg', args: slowEncode }, { crashWorkerAfterSpawn: true, onSpawned: (s) => (pid = s.pid) });
  assert.is(crashed.errorCode, 'WORKER_CRASHED');
  await new Promise((r) => setTimeout(r, 200));
  assert.not.ok(alive(pid), 'orphan encoder killed');
  const next = await p.run('t-after', ref, trust, { binary: 'ffprobe', args: ['-v', 'error', '-show_format', '-i', clip] }, { stdout: 'collect' });
  assert.is(next.outcome, 'succeeded', next.stderrTail);
  await p.close();
});

test('a modified image is refused before anything runs: ENCODER_UNVERIFIED, reported for the audit trail', async () => {
  const { ref, trust, dir } = await signedImageCopy();
  const bin = join(dir, 'bin', 'ffmpeg');
  const bytes = readFileSync(bin);
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
  writeFileSync(bin, bytes);
  const p = pool();
  const failures: string[] = [];
  let spawned = false;
  const r = await p.run(
    't-unverified',
    ref,
    trust,
    { binary: 'ffmpeg', args: ['-version'] },
    { onVerificationFailed: (f) => failures.push(f.reason), onSpawned: () => (spawned = true) },
  );
  await p.close();
  assert.is(r.outcome, 'unverified');
  assert.is(r.errorCode, 'ENCODER_UNVERIFIED');
  assert.not.ok(spawned);
  assert.is(failures.length, 1);
  assert.match(failures[0]!, /bin\/ffmpeg/);
});

test.run();

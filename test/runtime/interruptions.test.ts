// Attempts the appliance itself cuts short (its shutdown, a crash that takes the lease with it)
// are interruptions: re-queued without spending the 3-attempt budget, capped separately
// (policies.maxInterruptions) so that a true crash loop ends the job with CRASH_LOOP.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../src/config/package-root.js';
import { verifyDatabaseFile } from '../../src/store/sqlite/verify-file.js';
import { encoderProcesses, queryDb } from '../helpers/encoder-processes.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';
import { spawnSync } from 'node:child_process';
import { testClipArgs } from '../helpers/clip-args.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 720p, 12 s: a few seconds of ultrafast encoding on two cores, long enough to be cut.
const clipArgs = testClipArgs('1280x720', 12);

test('a shutdown mid-encode is an interruption: not counted, re-queued, the job completes on the next start', async () => {
  const f = await runtimeFixture();
  try {
    const key = await f.clip('s.mp4', clipArgs);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' });
    for (let i = 0; i < 600; i++) {
      if ((await f.store.audit.list({ jobId: job.id, type: 'process.started' })).some((e) => (e.payload as { kind: string }).kind === 'encode')) break;
      await sleep(100);
    }
    await f.restart('operator stop for maintenance');
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.state, 'completed', JSON.stringify(done.tasks));
    const ladder = done.tasks.find((t) => t.kind === 'encode' && t.rendition === null)!;
    assert.is(ladder.attempt, 2);
    assert.is(ladder.interruptions, 1);
    assert.is(done.tasks.filter((t) => t.kind === 'encode').length, 1, 'an interruption does not split the ladder');
    const events = await f.store.audit.list({ jobId: job.id });
    const interrupted = events.filter((e) => e.type === 'task.interrupted');
    assert.is(interrupted.length, 1);
    const p = interrupted[0]!.payload as { cause: string; detail: string; interruptions: number; countsAgainstAttempts: boolean; process?: unknown };
    assert.is(p.cause, 'shutdown');
    assert.is(p.detail, 'operator stop for maintenance');
    assert.is(p.interruptions, 1);
    assert.is(p.countsAgainstAttempts, false);
    assert.ok(p.process, 'the killed process is on record');
    for (const t of ['task.dead', 'task.retry_scheduled', 'task.failed', 'job.failed'])
      assert.not.ok(
        events.some((e) => e.type === t),
        `no ${t}`,
      );
  } finally {
    await f.close();
  }
});

test('an ffmpeg failure still spends an attempt: three failures end the rendition as before', async () => {
  const f = await runtimeFixture({ failEncodeAttempt: (t) => t.rendition === null || t.rendition === '480p' });
  try {
    const key = await f.clip('w.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast']);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' });
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.error?.code, 'RENDITION_FAILED');
    const rung = done.tasks.find((t) => t.rendition === '480p')!;
    assert.is(rung.attempt, 3);
    assert.is(rung.interruptions, 0);
  } finally {
    await f.close();
  }
});

const script = join(packageRoot, 'dist', 'test', 'helpers', 'runtime-process.js');
const children: ChildProcess[] = [];
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
});

test('kill -9 of the runtime during the same encode, again and again: each is an interruption, the cap ends it CRASH_LOOP', async () => {
  const data = tempDir('mpegflow-crashloop-');
  const img = await testImage();
  const master = join(tempDir(), 'loop.mp4');
  const argv = img.argv('ffmpeg');
  const gen = spawnSync(argv[0]!, [...argv.slice(1), '-nostdin', '-loglevel', 'error', ...clipArgs, master], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));
  const env = { ...process.env, MPEGFLOW_TEST_POLICIES: JSON.stringify({ maxInterruptions: 3, interruptionBackoffSeconds: 0.1 }) };
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    children.push(child);
    return child;
  };
  const processStarts = (jobId: string) =>
    queryDb<{ n: number }>(
      data,
      "SELECT count(*) AS n FROM audit_events WHERE job_id = ? AND type = 'process.started' AND json_extract(payload, '$.kind') = 'encode'",
      jobId,
    )[0]!.n;
  let jobId = '';
  for (let round = 1; round <= 3; round++) {
    const child = run(round === 1 ? [data, master] : [data]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    for (let i = 0; i < 900; i++) {
      await sleep(100);
      jobId ||= /job (\S+)/.exec(out)?.[1] ?? '';
      if (jobId && processStarts(jobId) >= round && encoderProcesses(data).length > 0) break;
    }
    assert.is(processStarts(jobId), round, `round ${round}: the encoder was started`);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // The fourth start finds the third interruption: the cap, so the job fails CRASH_LOOP.
  const last = run([data]);
  let state = '';
  for (let i = 0; i < 300 && state !== 'failed'; i++) {
    await sleep(100);
    state = queryDb<{ state: string }>(data, 'SELECT state FROM jobs WHERE id = ?', jobId)[0]!.state;
  }
  last.kill('SIGTERM');
  await new Promise((r) => last.once('exit', r));
  const job = queryDb<{ state: string; error_code: string; error_message: string }>(data, 'SELECT * FROM jobs WHERE id = ?', jobId)[0]!;
  assert.is(job.state, 'failed');
  assert.is(job.error_code, 'CRASH_LOOP');
  assert.match(job.error_message, /crash loop: encode task \S+ was interrupted 3 times/, job.error_message);
  const types = queryDb<{ type: string; payload: string }>(data, 'SELECT type, payload FROM audit_events WHERE job_id = ? ORDER BY seq', jobId);
  const interrupted = types.filter((e) => e.type === 'task.interrupted').map((e) => JSON.parse(e.payload) as { cause: string; interruptions: number });
  assert.equal(
    interrupted.map((p) => [p.cause, p.interruptions]),
    [
      ['crash', 1],
      ['crash', 2],
      ['crash', 3],
    ],
  );
  assert.not.ok(
    types.some((e) => e.type === 'task.retry_scheduled' || e.type === 'task.lease_expired'),
    'no interruption counted as an attempt',
  );
  assert.is(processStarts(jobId), 3, 'no fourth encoder after the cap');
  const task = queryDb<{ state: string; attempt: number; interruptions: number }>(
    data,
    "SELECT state, attempt, interruptions FROM tasks WHERE job_id = ? AND kind = 'encode'",
    jobId,
  );
  assert.equal(task, [{ state: 'dead', attempt: 3, interruptions: 3 }]);
  assert.ok((await verifyDatabaseFile(join(data, 'mpegflow.db'))).ok, 'audit chain intact');
});

test.run();

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../src/config/package-root.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { verifyDatabaseFile } from '../../src/store/sqlite/verify-file.js';
import { encoderProcesses, queryDb } from '../helpers/encoder-processes.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

const script = join(packageRoot, 'dist', 'test', 'helpers', 'runtime-process.js');
const children: ChildProcess[] = [];
const run = (args: string[]) => {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
};
const encoders = encoderProcesses;
const query = queryDb;

test.after(() => {
  for (const c of children) c.kill('SIGKILL');
});

test('kill -9 of a runtime process mid-encode, then restart: the job completes, outputs once, chain intact, no orphan left', async () => {
  const data = tempDir('mpegflow-crash-');
  const img = await testImage();
  const master = join(tempDir(), 'crash.mp4');
  const argv = img.argv('ffmpeg');
  const gen = spawnSync(argv[0]!, [...argv.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1280x720', 12), master], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));

  const first = run([data, master]);
  let out = '';
  first.stdout!.on('data', (d: Buffer) => (out += d));
  let jobId = '';
  let running: number[] = [];
  for (let i = 0; i < 900 && running.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    jobId = /job (\S+)/.exec(out)?.[1] ?? '';
    if (jobId && query<{ n: number }>(data, "SELECT count(*) AS n FROM tasks WHERE job_id = ? AND kind = 'encode' AND state = 'running'", jobId)[0]!.n > 0)
      running = encoders(data);
  }
  assert.ok(jobId, 'job submitted');
  assert.ok(running.length > 0, 'an encoder is running');
  const startedPids = () =>
    query<{ payload: string }>(data, "SELECT payload FROM audit_events WHERE job_id = ? AND type = 'process.started'", jobId).map(
      (r) => (JSON.parse(r.payload) as { pid: number }).pid,
    );
  for (let i = 0; i < 50 && !running.every((pid) => startedPids().includes(pid)); i++) await new Promise((r) => setTimeout(r, 100));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  const second = run([data]);
  let state = '';
  for (let i = 0; i < 1200 && !['completed', 'failed', 'partial'].includes(state); i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = query<{ state: string }>(data, 'SELECT state FROM jobs WHERE id = ?', jobId)[0]?.state ?? '';
  }
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
  assert.is(state, 'completed');
  for (const pid of running) assert.not.ok(encoders(data).includes(pid), `orphan encoder ${pid} was left running`);

  const recovered = query<{ payload: string }>(data, "SELECT payload FROM audit_events WHERE type = 'runtime.recovered'");
  assert.is(recovered.length, 1);
  const payload = JSON.parse(recovered[0]!.payload) as { orphanEncodersKilled: number[]; requeued: { jobId: string }[] };
  assert.ok(payload.orphanEncodersKilled.length > 0, 'orphans killed at restart');
  assert.ok(payload.requeued.some((t) => t.jobId === jobId));

  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  const keys: string[] = [];
  for await (const o of objects.list('output', `${jobId}/`)) keys.push(o.key);
  assert.ok(keys.includes(`${jobId}/hls/master.m3u8`) && keys.includes(`${jobId}/dash/manifest.mpd`));
  for (const k of keys) assert.is((await objects.listVersions('output', k)).length, 1, `${k} committed once`);
  await objects.close();
  const completed = query<{ n: number }>(data, "SELECT count(*) AS n FROM audit_events WHERE job_id = ? AND type = 'job.completed'", jobId)[0]!.n;
  assert.is(completed, 1);
  // The killed attempt left no end record, but its processes are on record from their start.
  for (const pid of running) assert.ok(startedPids().includes(pid), `the killed encoder ${pid} is audited as started`);
  assert.ok((await verifyDatabaseFile(join(data, 'mpegflow.db'))).ok, 'audit chain intact');
});

test.run();

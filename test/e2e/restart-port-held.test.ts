// Start-up is crash-only: the port is bound before anything else. A restart after kill -9 that
// finds the port held waits (http.bindWaitSeconds), then exits non-zero naming the holder —
// and leaves every job exactly as it found it: no task.started, no process.started, no lease
// change. The next start recovers the job (the killed attempt is an interruption) and cleans
// what the crash left: an upload cut mid-stream, staging files, scratch, intermediates.
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { apiClient } from '../helpers/api-client.js';
import { freePort, killAppliance, leftovers, makeClip, sleep, waitUntil } from '../helpers/appliance-crash.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { encoderProcesses, queryDb } from '../helpers/encoder-processes.js';
import { tempDir } from '../helpers/temp-dir.js';

test.after(killServers);

const TERMINAL = ['completed', 'failed', 'partial', 'cancelled'];

test('restart while the port is held: exit 1 naming the holder, no task.started/process.started/lease change; then the job completes, the crash cleaned up', async () => {
  const cwd = tempDir('mpegflow-port-held-');
  const data = join(cwd, 'data');
  await preloadEncoderImage(cwd);
  writeFileSync(join(data, 'config.json'), JSON.stringify({ http: { bindWaitSeconds: 1 }, policies: { interruptionBackoffSeconds: 0.2 } }));
  const clip = join(cwd, 'held-480p.mp4');
  await makeClip(clip, '854x480', 8);
  const port = await freePort();
  const env = { MPEGFLOW_PORT: String(port) };

  const first = await startServer({ cwd, env, detached: true });
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  let api = apiClient(first.url, token);
  const up = await api.upload(clip);
  assert.is(up.status, 201, await up.clone().text());
  const submitted = await api.submit({ input: { key: ((await up.json()) as { key: string }).key }, ladder: 'professional', packaging: ['hls', 'dash'] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;
  await waitUntil(
    'an encoder of the job running',
    () =>
      queryDb<{ n: number }>(data, "SELECT count(*) AS n FROM tasks WHERE job_id = ? AND kind = 'encode' AND state = 'running'", jobId)[0]!.n > 0 &&
      encoderProcesses(data).length > 0,
  );
  // An upload in flight when the appliance dies: 2 MiB of a declared 64 MiB.
  const cut = request(`${first.url}/api/v1/inputs/cut.mxf`, {
    method: 'PUT',
    headers: { ...api.auth, 'content-type': 'application/octet-stream', 'content-length': String(64 << 20) },
  });
  cut.on('error', () => undefined);
  cut.write(Buffer.alloc(2 << 20, 7));
  await waitUntil(
    'the upload to be audited as started',
    () =>
      queryDb<{ n: number }>(
        data,
        "SELECT count(*) AS n FROM audit_events WHERE type = 'input.upload_started' AND json_extract(payload, '$.key') = 'cut.mxf'",
      )[0]!.n === 1,
  );
  await sleep(300);
  await killAppliance(first, data);
  cut.destroy();

  // The port is taken by someone else when the appliance restarts.
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  const tasksBefore = queryDb(data, 'SELECT * FROM tasks ORDER BY id');
  const seqBefore = queryDb<{ seq: number }>(data, 'SELECT max(seq) AS seq FROM audit_events')[0]!.seq;
  let failure: { code?: number; output?: string } = {};
  try {
    const s = await startServer({ cwd, env, detached: true });
    await s.stop();
  } catch (err) {
    failure = err as typeof failure;
  }
  blocker.close();
  assert.is(failure.code, 1, failure.output);
  assert.match(
    failure.output ?? '',
    new RegExp(`MPEGFLOW_PORT: 127\\.0\\.0\\.1:${port} is in use by another process \\(waited [\\d.]+ s\\); held by pid ${process.pid} `),
  );
  assert.equal(queryDb(data, 'SELECT * FROM tasks ORDER BY id'), tasksBefore, 'no lease changed');
  const after = queryDb<{ type: string }>(data, 'SELECT type FROM audit_events WHERE seq > ?', seqBefore).map((e) => e.type);
  assert.equal(after, [], 'the failed start wrote nothing: no task.started, no process.started');

  // What a crash between a job's end and its cleanup leaves: intermediates of a finished job.
  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  const finishedId = 'job_000000000finished01';
  await objects.put('intermediate', `${finishedId}/renditions/t.1/240p.mp4`, Readable.from([Buffer.from('leftover')]));
  await objects.close();
  mkdirSync(join(data, 'scratch', finishedId, 'encode'), { recursive: true });
  const store = new SqliteStore({ path: join(data, 'mpegflow.db') });
  const image = queryDb<{ encoder_image: string }>(data, 'SELECT encoder_image FROM jobs WHERE id = ?', jobId)[0]!.encoder_image;
  await store.change(async (tx) => {
    await tx.jobs.insert({
      id: finishedId,
      state: 'completed',
      inputKey: 'held-480p.mp4',
      inputSha256: null,
      inputSize: null,
      ladder: 'professional',
      packaging: ['hls'],
      encoderImage: image,
      policy: { partialLadder: 'wait' },
      idempotencyKey: null,
      requestHash: null,
      submittedBy: 'test',
    });
    await tx.audit({ type: 'test.planted', actor: 'test', jobId: finishedId, payload: { why: 'a finished job whose cleanup a crash cut' } });
  });
  await store.close();
  const planted = await leftovers(data);
  assert.ok(planted.staging.length > 0, `the cut upload left a staging file: ${JSON.stringify(planted)}`);

  const second = await startServer({ cwd, env, detached: true });
  assert.match(second.output(), /Recovery: \d+ orphan encoder\(s\) killed, 1 interrupted attempt\(s\) re-queued, 0 lapsed lease\(s\) re-queued/);
  assert.match(
    second.output(),
    /cleanup: 1 open upload\(s\) closed, 1 intermediate object\(s\) of 1 finished job\(s\) deleted, [1-9]\d* staging file\(s\) and [1-9]\d* scratch folder\(s\) removed/,
  );
  api = apiClient(second.url, token);
  const state = await waitUntil(
    'the job to finish',
    async () => {
      const s = ((await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as { state: string }).state;
      return TERMINAL.includes(s) && s;
    },
    300_000,
  );
  assert.is(state, 'completed');
  assert.is(await second.stop(), 0, second.output());

  const events = queryDb<{ type: string; payload: string; job_id: string | null }>(data, 'SELECT type, payload, job_id FROM audit_events ORDER BY seq');
  const ofJob = events.filter((e) => e.job_id === jobId);
  const interrupted = ofJob.filter((e) => e.type === 'task.interrupted').map((e) => JSON.parse(e.payload) as { cause: string });
  assert.equal(
    interrupted.map((p) => p.cause),
    ['crash'],
  );
  for (const t of ['task.dead', 'task.failed', 'task.retry_scheduled', 'task.lease_expired', 'job.failed'])
    assert.not.ok(
      ofJob.some((e) => e.type === t),
      `no ${t}`,
    );
  const closed = events.filter((e) => e.type === 'input.upload_failed').map((e) => JSON.parse(e.payload) as { key: string; cause?: string; code: string });
  assert.equal(closed, [{ ...closed[0]!, key: 'cut.mxf', cause: 'interrupted', code: 'UPLOAD_INTERRUPTED' }]);
  const deleted = events
    .filter((e) => e.type === 'job.intermediates_deleted' && e.job_id === finishedId)
    .map((e) => JSON.parse(e.payload) as { cause: string; objects: number });
  assert.equal(
    deleted.map((p) => [p.cause, p.objects]),
    [['startup', 1]],
  );
  assert.equal(await leftovers(data), { scratch: [], intermediate: [], staging: [] });
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();

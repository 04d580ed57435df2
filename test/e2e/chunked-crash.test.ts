// kill -9 of the whole appliance at 80 % of a chunked encode, then start it again: only the
// chunks in flight at the kill are encoded again (counted from the audit trail), the job
// completes once, every output is committed once, and the chain verifies.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { apiClient } from '../helpers/api-client.js';
import { assertOutputsOnce, killAppliance, waitUntil } from '../helpers/appliance-crash.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { queryDb } from '../helpers/encoder-processes.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { spawnSync } from 'node:child_process';
import { testClipArgs } from '../helpers/clip-args.js';

test.after(killServers);

const CHUNKS = 10;
const chunkState = (data: string, jobId: string) =>
  queryDb<{ chunk: number; state: string }>(
    data,
    "SELECT json_extract(input, '$.part.chunk.index') AS chunk, state FROM tasks WHERE job_id = ? AND kind = 'encode' AND json_extract(input, '$.part.kind') = 'chunk'",
    jobId,
  );

test('kill -9 at 80 % of a chunked encode: at most the chunks in flight are redone, the job completes once, outputs once', async () => {
  const cwd = tempDir('mpegflow-chunk-crash-');
  const data = join(cwd, 'data');
  mkdirSync(data, { recursive: true });
  // A 40 s master is "long" here: 10 chunks of 4 s.
  writeFileSync(join(data, 'config.json'), JSON.stringify({ chunking: { thresholdSeconds: 10, chunkSeconds: 4 } }));
  await preloadEncoderImage(cwd);
  const clip = join(cwd, 'long.mp4');
  const ff = (await testImage()).argv('ffmpeg');
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('640x360', 40), '-g', '50', clip], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));

  const first = await startServer({ cwd });
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  let api = apiClient(first.url, token);
  const input = (await (await api.upload(clip)).json()) as { key: string };
  const submitted = await api.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;

  // 80 %: 8 of 10 chunks committed; then kill the appliance and its encoders outright.
  await waitUntil('8 committed chunks', () => chunkState(data, jobId).filter((c) => c.state === 'succeeded').length >= 8, 240_000);
  await killAppliance(first, data);
  const atKill = chunkState(data, jobId);
  assert.is(atKill.length, CHUNKS);
  const committed = atKill.filter((c) => c.state === 'succeeded').map((c) => c.chunk);
  const inFlight = atKill.filter((c) => c.state === 'running').map((c) => c.chunk);

  const second = await startServer({ cwd });
  api = apiClient(second.url, token);
  const done = await waitUntil(
    'the job to finish',
    async () => {
      const d = (await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as { state: string; chunking: { chunks: { state: string }[] } };
      return ['completed', 'failed', 'partial', 'cancelled'].includes(d.state) ? d : undefined;
    },
    240_000,
  );
  assert.is(done.state, 'completed');
  assert.ok(done.chunking.chunks.every((c) => c.state === 'succeeded'));
  assert.is(await second.stop(), 0, second.output());

  // From the audit trail: how often each chunk was started.
  const starts = new Map<number, number>();
  for (const row of queryDb<{ payload: string }>(data, "SELECT payload FROM audit_events WHERE job_id = ? AND type = 'task.started'", jobId)) {
    const p = JSON.parse(row.payload) as { part?: string; chunk?: number };
    if (p.part === 'chunk') starts.set(p.chunk!, (starts.get(p.chunk!) ?? 0) + 1);
  }
  const redone = [...starts].filter(([, n]) => n > 1).map(([c]) => c);
  assert.is(starts.size, CHUNKS);
  assert.ok(redone.length <= inFlight.length, `redone ${redone.join()} but only ${inFlight.join()} were in flight`);
  for (const c of committed) assert.is(starts.get(c), 1, `committed chunk ${c} was not encoded again`);
  assert.is(queryDb<{ n: number }>(data, "SELECT count(*) AS n FROM audit_events WHERE job_id = ? AND type = 'job.completed'", jobId)[0]!.n, 1);
  assert.is(
    queryDb<{ n: number }>(
      data,
      "SELECT count(*) AS n FROM audit_events WHERE job_id = ? AND type = 'task.succeeded' AND json_extract(payload, '$.kind') = 'stitch'",
      jobId,
    )[0]!.n,
    1,
  );

  await assertOutputsOnce(data, jobId, assert);
  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  const intermediate: string[] = [];
  for await (const o of objects.list('intermediate', `${jobId}/`)) intermediate.push(o.key);
  assert.equal(intermediate, [], 'chunk intermediates removed once the job completed');
  await objects.close();

  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();

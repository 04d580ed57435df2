// The kill -9 campaign of issue #18: the whole appliance (server process group and the encoders
// it started) is killed at five points of one long encode, five times in a row, restarting on
// the same port each time; then a clean start. The job completes with five interrupted attempts
// and no failed one, every output committed once, the chain intact, nothing left behind.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { apiClient } from '../helpers/api-client.js';
import { assertOutputsOnce, freePort, killAppliance, leftovers, makeClip, waitUntil } from '../helpers/appliance-crash.js';
import { killServers, runCli, startServer, type Started } from '../helpers/cli.js';
import { encoderProcesses, queryDb } from '../helpers/encoder-processes.js';
import { tempDir } from '../helpers/temp-dir.js';

test.after(killServers);

const TERMINAL = ['completed', 'failed', 'partial', 'cancelled'];

/** Kill points: when the encode's process is on record, then at these fractions of the encode (ffmpeg's own progress). */
const KILL_AT = [0, 0.1, 0.2, 0.35, 0.5];

test('kill -9 of the whole appliance at five points of one long encode, five times in a row, then a clean start: completes, 5 interruptions, no failure, outputs once, nothing left', async () => {
  const cwd = tempDir('mpegflow-campaign-');
  const data = join(cwd, 'data');
  await preloadEncoderImage(cwd);
  writeFileSync(join(data, 'config.json'), JSON.stringify({ policies: { interruptionBackoffSeconds: 0.2 } }));
  // The appliance encodes with x264 "medium": 10 s of 480p take it several seconds per attempt on two cores.
  const clip = join(cwd, 'campaign-480p.mp4');
  await makeClip(clip, '854x480', 10);
  const port = await freePort();
  const env = { MPEGFLOW_PORT: String(port) };
  const processStarts = () =>
    queryDb<{ pid: number }>(
      data,
      "SELECT json_extract(payload, '$.pid') AS pid FROM audit_events WHERE job_id = ? AND type = 'process.started' AND json_extract(payload, '$.kind') = 'encode'",
      jobId,
    ).map((r) => r.pid);

  let server: Started = await startServer({ cwd, env, detached: true });
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  let api = apiClient(server.url, token);
  const up = await api.upload(clip);
  assert.is(up.status, 201, await up.clone().text());
  const submitted = await api.submit({ input: { key: ((await up.json()) as { key: string }).key }, ladder: 'professional', packaging: ['hls', 'dash'] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;

  const killedAt: number[] = [];
  const restartMs: number[] = [];
  let portWaits = 0;
  for (const [round, at] of KILL_AT.entries()) {
    // This round's encoder is on record and running, and has got at least `at` of the way.
    await waitUntil(`round ${round + 1}: the encoder`, () => processStarts().length === round + 1 && encoderProcesses(data).length > 0, 180_000);
    const progress = await waitUntil(
      `round ${round + 1}: encode progress ${at}`,
      async () => {
        const d = (await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as { state: string; progress: number };
        assert.is(d.state, 'encoding', `round ${round + 1}`);
        const fraction = (d.progress - 0.05) / 0.85; // the encoding stage spans 0.05–0.9 of the job's progress
        return fraction >= at && fraction;
      },
      180_000,
    );
    killedAt.push(Math.round(progress * 100) / 100);
    await killAppliance(server, data);
    const t0 = Date.now();
    server = await startServer({ cwd, env, detached: true });
    restartMs.push(Date.now() - t0);
    if (/is in use, held by/.test(server.output())) portWaits++;
    api = apiClient(server.url, token);
  }
  // The sixth start is the clean one: it runs the job to its end.
  const state = await waitUntil(
    'the job to finish',
    async () => {
      const s = ((await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as { state: string }).state;
      return TERMINAL.includes(s) && s;
    },
    300_000,
  );
  const detail = (await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as {
    tasks: { kind: string; rendition: string | null; attempt: number; interruptions: number }[];
  };
  assert.is(await server.stop(), 0, server.output());
  console.log(`  killed at encode fractions ${killedAt.join(', ')}; restarts (kill to serving) ${restartMs.join(', ')} ms; ${portWaits} waited for the port`);
  assert.is(state, 'completed');

  const encodes = detail.tasks.filter((t) => t.kind === 'encode');
  assert.equal(
    encodes.map((t) => [t.rendition, t.attempt, t.interruptions]),
    [[null, 6, 5]],
    'one ladder task: six attempts, five interrupted',
  );
  const events = queryDb<{ type: string; payload: string; job_id: string | null }>(data, 'SELECT type, payload, job_id FROM audit_events ORDER BY seq');
  const ofJob = events.filter((e) => e.job_id === jobId);
  const interrupted = ofJob.filter((e) => e.type === 'task.interrupted').map((e) => JSON.parse(e.payload) as { cause: string; interruptions: number });
  assert.equal(
    interrupted.map((p) => [p.cause, p.interruptions]),
    [1, 2, 3, 4, 5].map((n) => ['crash', n]),
  );
  for (const t of ['task.dead', 'task.failed', 'task.retry_scheduled', 'task.lease_expired', 'job.failed', 'job.ladder_split'])
    assert.not.ok(
      ofJob.some((e) => e.type === t),
      `no ${t}`,
    );
  assert.is(ofJob.filter((e) => e.type === 'job.completed').length, 1);
  assert.is(processStarts().length, 6 + 0, 'six encoder starts');
  // Each restart removed the killed attempt's scratch folder.
  const cleanups = events.filter((e) => e.type === 'runtime.startup_cleanup').map((e) => JSON.parse(e.payload) as { scratchJobs: string[] });
  assert.is(cleanups.length, 5, 'one cleanup per restart after a kill (the first start had nothing to clean)');
  assert.is(cleanups.filter((c) => c.scratchJobs.includes(jobId)).length, 5, 'every restart after a kill removed the job scratch');

  await assertOutputsOnce(data, jobId, assert);
  assert.equal(await leftovers(data), { scratch: [], intermediate: [], staging: [] });
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();

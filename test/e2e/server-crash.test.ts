// kill -9 of the whole appliance (`mpegflow start`, as `npm start` runs it) mid-encode, then
// start it again: the job completes, orphaned encoders are gone, every output is committed
// exactly once and `mpegflow audit verify` passes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { apiClient } from '../helpers/api-client.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { encoderProcesses, queryDb } from '../helpers/encoder-processes.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

test.after(killServers);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 of mpegflow start mid-encode, then npm start again: job completes, outputs once, no orphan, chain intact', async () => {
  const cwd = tempDir('mpegflow-server-crash-');
  const data = join(cwd, 'data');
  await preloadEncoderImage(cwd);
  const img = await testImage();
  const clip = join(cwd, 'crash-720p.mp4');
  const ff = img.argv('ffmpeg');
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1280x720', 12), clip], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));

  const first = await startServer({ cwd });
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  let api = apiClient(first.url, token);
  const up = await api.upload(clip);
  assert.is(up.status, 201, await up.clone().text());
  const input = (await up.json()) as { key: string };
  const submitted = await api.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const jobId = ((await submitted.json()) as { id: string }).id;

  // Wait until an encoder of this job is really running, then kill the server outright.
  let running: number[] = [];
  for (let i = 0; i < 1200 && running.length === 0; i++) {
    await sleep(100);
    if (queryDb<{ n: number }>(data, "SELECT count(*) AS n FROM tasks WHERE job_id = ? AND kind = 'encode' AND state = 'running'", jobId)[0]!.n > 0)
      running = encoderProcesses(data);
  }
  assert.ok(running.length > 0, 'an encoder is running');
  const exited = new Promise((r) => first.child.once('exit', r));
  first.child.kill('SIGKILL');
  await exited;
  assert.ok(encoderProcesses(data).length > 0, 'the encoders outlived the killed server (their own process group)');

  const second = await startServer({ cwd });
  api = apiClient(second.url, token);
  let state = '';
  for (let i = 0; i < 1800 && !['completed', 'failed', 'partial', 'cancelled'].includes(state); i++) {
    await sleep(200);
    state = ((await (await api.get(`/api/v1/jobs/${jobId}`)).json()) as { state: string }).state;
  }
  assert.is(state, 'completed');
  for (const pid of running) assert.not.ok(encoderProcesses(data).includes(pid), `orphan encoder ${pid} was left running`);
  const master = await api.get(`/api/v1/jobs/${jobId}/outputs/hls/master.m3u8`);
  assert.is(master.status, 200);
  assert.match(await master.text(), /^#EXTM3U/);
  assert.is(await second.stop(), 0, second.output());

  const recovered = queryDb<{ payload: string }>(data, "SELECT payload FROM audit_events WHERE type = 'runtime.recovered'");
  assert.is(recovered.length, 1);
  const payload = JSON.parse(recovered[0]!.payload) as { orphanEncodersKilled: number[]; requeued: { jobId: string }[] };
  assert.ok(payload.orphanEncodersKilled.length > 0, 'orphans killed at restart');
  assert.ok(
    payload.requeued.some((t) => t.jobId === jobId),
    'the lapsed lease was re-queued',
  );
  assert.is(queryDb<{ n: number }>(data, "SELECT count(*) AS n FROM audit_events WHERE job_id = ? AND type = 'job.completed'", jobId)[0]!.n, 1);

  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  const keys: string[] = [];
  for await (const o of objects.list('output', `${jobId}/`)) keys.push(o.key);
  assert.ok(keys.includes(`${jobId}/hls/master.m3u8`) && keys.includes(`${jobId}/dash/manifest.mpd`), keys.join(','));
  for (const k of keys) assert.is((await objects.listVersions('output', k)).length, 1, `${k} committed once`);
  await objects.close();

  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewJob } from '../../src/store/jobs.js';
import type { PoolStatus } from '../../src/supervisor/stage-pool.js';
import { liveApp } from '../events/live-app.js';

type App = Awaited<ReturnType<typeof liveApp>>;
let live: App;
const pools: PoolStatus[] = [
  { name: 'probe', cores: [0], slots: 2, running: 1, queued: 0, memoryLimitBytes: 1, timeoutSeconds: 60 },
  { name: 'encode', cores: [1, 2], slots: 2, running: 2, queued: 7, memoryLimitBytes: 1, timeoutSeconds: 60 },
];

test.before(async () => {
  live = await liveApp({ pools: () => pools });
});
test.after(async () => {
  await live.close();
});

const job = (id: string, state: NewJob['state']): NewJob => ({
  id,
  state,
  inputKey: 'master.mov',
  inputSha256: null,
  inputSize: null,
  ladder: 'professional',
  packaging: ['hls'],
  encoderImage: 'img',
  policy: { partialLadder: 'wait' },
  idempotencyKey: null,
  requestHash: null,
  submittedBy: 'test',
});

const scrape = async (role: 'viewer' | 'auditor' = 'viewer') => {
  const res = await fetch(`${live.url}/metrics`, live.auth(role));
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
};

test('/metrics needs a valid token (any role)', async () => {
  const none = await fetch(`${live.url}/metrics`);
  assert.is(none.status, 401);
  assert.is(((await none.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  assert.is((await fetch(`${live.url}/metrics`, { headers: { authorization: 'Bearer mf_bad' } })).status, 401);
  await scrape('auditor');
});

test('/metrics exposes jobs by state, pool load, task durations, encode fps and webhook failures in Prometheus text format', async () => {
  await live.store.change(async (tx) => {
    await tx.jobs.insert(job('j1', 'queued'));
    await tx.jobs.insert(job('j2', 'queued'));
    await tx.jobs.insert(job('j3', 'encoding'));
    await tx.audit({ type: 'test.jobs', actor: 'test' });
  });
  const at = new Date().toISOString();
  live.bus.publish({ type: 'task.progress', at, jobId: 'j3', taskId: 'e1', kind: 'encode', rendition: '720p', fraction: 0.5, fps: 87.5, speed: 3 });
  live.bus.publish({ type: 'task.progress', at, jobId: 'j3', taskId: 'p1', kind: 'probe', rendition: null, fraction: null, fps: 999, speed: null });
  live.bus.publish({ type: 'task.finished', at, jobId: 'j3', taskId: 'p0', kind: 'probe', pool: 'probe', seconds: 0.7, outcome: 'succeeded' });
  live.bus.publish({ type: 'task.finished', at, jobId: 'j3', taskId: 'e0', kind: 'encode', pool: 'encode', seconds: 42, outcome: 'succeeded' });
  live.bus.publish({ type: 'webhook.delivery', at, webhookId: 'wh_a', deliveryId: 'd1', attempt: 1, status: 'retrying', responseCode: 500 });
  live.bus.publish({ type: 'webhook.delivery', at, webhookId: 'wh_a', deliveryId: 'd1', attempt: 2, status: 'failed', responseCode: null });
  live.bus.publish({ type: 'webhook.delivery', at, webhookId: 'wh_a', deliveryId: 'd2', attempt: 1, status: 'delivered', responseCode: 200 });
  const text = await scrape();
  for (const line of [
    '# TYPE mpegflow_jobs gauge',
    'mpegflow_jobs{state="queued"} 2',
    'mpegflow_jobs{state="encoding"} 1',
    'mpegflow_jobs{state="completed"} 0',
    '# TYPE mpegflow_pool_queue_depth gauge',
    'mpegflow_pool_queue_depth{pool="encode"} 7',
    'mpegflow_pool_queue_depth{pool="probe"} 0',
    'mpegflow_pool_running_tasks{pool="encode"} 2',
    'mpegflow_pool_slots{pool="probe"} 2',
    '# TYPE mpegflow_task_duration_seconds histogram',
    'mpegflow_task_duration_seconds_count{pool="encode",outcome="succeeded"} 1',
    'mpegflow_task_duration_seconds_sum{pool="encode",outcome="succeeded"} 42',
    'mpegflow_task_duration_seconds_bucket{le="60",pool="encode",outcome="succeeded"} 1',
    'mpegflow_task_duration_seconds_bucket{le="30",pool="encode",outcome="succeeded"} 0',
    'mpegflow_task_duration_seconds_count{pool="probe",outcome="succeeded"} 1',
    '# TYPE mpegflow_encode_fps gauge',
    'mpegflow_encode_fps{job_id="j3",rendition="720p"} 87.5',
    '# TYPE mpegflow_webhook_delivery_failures_total counter',
    'mpegflow_webhook_delivery_failures_total{webhook_id="wh_a"} 1',
    'mpegflow_webhook_attempt_failures_total{webhook_id="wh_a"} 2',
    'mpegflow_webhook_deliveries_total{webhook_id="wh_a"} 1',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing line: ${line}\n${text}`);
  }
  assert.not.match(text, /999/, 'fps only from encodes');
  assert.match(text, /^mpegflow_build_info\{version="[^"]+"\} 1$/m);
  // Every sample line parses as Prometheus text: name{labels} value.
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.e+-]+|NaN|\+Inf)$/, line);
  }
  // A finished encode drops its fps sample (labels stay bounded).
  live.bus.publish({ type: 'task.finished', at, jobId: 'j3', taskId: 'e1', kind: 'encode', pool: 'encode', seconds: 10, outcome: 'succeeded' });
  assert.not.match(await scrape(), /mpegflow_encode_fps\{job_id="j3"/);
});

test('each app has its own registry: a second app starts from zero', async () => {
  const other = await liveApp();
  const text = await (await fetch(`${other.url}/metrics`, other.auth('viewer'))).text();
  assert.not.match(text, /mpegflow_webhook_delivery_failures_total\{/);
  assert.match(text, /# TYPE mpegflow_webhook_delivery_failures_total counter/);
  assert.match(text, /mpegflow_jobs\{state="queued"\} 0/);
  await other.close();
});

test.run();

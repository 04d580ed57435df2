import { isDeepStrictEqual } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liveMessage } from '../../src/http/schemas/live.js';
import WebSocket from 'ws';
import type { ApplianceEvent } from '../../src/events/events.js';
import { liveApp } from '../events/live-app.js';

type App = Awaited<ReturnType<typeof liveApp>>;
let live: App;

test.before(async () => {
  live = await liveApp();
});
test.after(async () => {
  await live.close();
});

/** The status of a refused upgrade (the handshake never completes). */
function refusedWith(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  close(): void;
}

/** Messages that are not a LiveMessage of src/http/schemas/live.ts (or carry a field it does not declare). */
const nonconforming: unknown[] = [];

/** Connects and waits for the hello message (the subscription is live from then on). */
function connect(path: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${live.wsUrl}${path}`, protocols, options);
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      const checked = liveMessage.safeParse(m);
      if (!checked.success || !isDeepStrictEqual(checked.data, m)) nonconforming.push(m);
      if (m.type === 'hello') resolve({ ws, messages, close: () => ws.close() });
      else messages.push(m);
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until a client has a message that satisfies `check` (messages arrive in publish order, so all before it are in). */
async function received(c: Client, check: (m: Record<string, unknown>) => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !c.messages.some(check); await sleep(10)) {
    if (Date.now() > end) throw new Error(`no such message in ${ms} ms: ${JSON.stringify(c.messages)}`);
  }
}
const at = () => new Date().toISOString();
const jobState = (jobId: string, state: 'queued' | 'encoding' | 'completed'): ApplianceEvent => ({
  type: 'job.state',
  at: at(),
  jobId,
  state,
  progress: state === 'completed' ? 1 : 0,
});
const progress = (jobId: string, taskId: string, fraction: number): ApplianceEvent => ({
  type: 'task.progress',
  at: at(),
  jobId,
  taskId,
  kind: 'encode',
  rendition: '720p',
  fraction,
  fps: 50,
  speed: 2,
});

test('a WebSocket without a token, or with a bad one, is refused with 401 before the upgrade', async () => {
  assert.is(await refusedWith(`${live.wsUrl}/ws`), 401);
  assert.is(await refusedWith(`${live.wsUrl}/ws`, { headers: { authorization: 'Bearer mf_not-a-token' } }), 401);
  assert.is(await refusedWith(`${live.wsUrl}/ws?token=mf_nope`), 401);
  assert.is(await refusedWith(`${live.wsUrl}/ws`, {}, ['mpegflow.v1', 'bearer.mf_nope']), 401);
  // A plain HTTP GET is told to upgrade.
  const plain = await fetch(`${live.url}/ws`, live.auth('viewer'));
  assert.is(plain.status, 426);
  assert.is(((await plain.json()) as { error: { code: string } }).error.code, 'UPGRADE_REQUIRED');
});

test('with a token (header, subprotocol or query) a client receives the events published on the bus', async () => {
  const viaHeader = await connect('/ws', live.auth('viewer'));
  const viaProtocol = await connect('/ws', {}, ['mpegflow.v1', `bearer.${live.tokens.auditor}`]);
  const viaQuery = await connect(`/ws?token=${live.tokens.operator}`);
  assert.is(viaProtocol.ws.protocol, 'mpegflow.v1', 'the token subprotocol is never echoed back');
  live.bus.publish(jobState('job_a', 'queued'));
  live.bus.publish({ type: 'task.state', at: at(), jobId: 'job_a', taskId: 't1', kind: 'probe', rendition: null, state: 'running', attempt: 1 });
  live.bus.publish({ type: 'webhook.delivery', at: at(), webhookId: 'wh_x', deliveryId: 'd', attempt: 1, status: 'delivered', responseCode: 200 });
  // A last event marks the end: once it is in, everything published before it is in too.
  live.bus.publish(jobState('job_end', 'queued'));
  for (const c of [viaHeader, viaProtocol, viaQuery]) {
    await received(c, (m) => m.jobId === 'job_end');
    assert.equal(
      c.messages.filter((m) => m.jobId !== 'job_end').map((m) => [m.type, m.jobId]),
      [
        ['job.state', 'job_a'],
        ['task.state', 'job_a'],
      ],
    );
    c.close();
  }
  assert.equal(nonconforming, [], 'every message (hello included) is a LiveMessage as the UI reads it');
});

test('?job=ID only delivers that job; a bad job id is refused', async () => {
  const c = await connect('/ws?job=job_b', live.auth('viewer'));
  live.bus.publish(jobState('job_other', 'queued'));
  live.bus.publish(jobState('job_b', 'queued'));
  await received(c, (m) => m.jobId === 'job_b');
  assert.equal(
    c.messages.map((m) => m.jobId),
    ['job_b'],
  );
  c.close();
  assert.is(await refusedWith(`${live.wsUrl}/ws?job=${encodeURIComponent('bad id!')}`, live.auth('viewer')), 400);
});

test('progress is throttled to 4/s per job: 100 events in 1 s arrive as at most 5, the last included; state changes all arrive in order', async () => {
  const c = await connect('/ws', live.auth('viewer'));
  live.bus.publish(jobState('job_t', 'encoding'));
  const began = performance.now();
  for (let i = 1; i <= 100; i++) {
    live.bus.publish(progress('job_t', 'enc1', i / 100));
    if (i === 50)
      live.bus.publish({ type: 'task.state', at: at(), jobId: 'job_t', taskId: 'enc2', kind: 'encode', rendition: '480p', state: 'running', attempt: 1 });
    await sleep(10);
  }
  const publishedFor = performance.now() - began;
  // Wait for the last progress itself (the throttle's timer sends it), not for a fixed time.
  await received(c, (m) => m.type === 'task.progress' && m.fraction === 1);
  const progressed = c.messages.filter((m) => m.type === 'task.progress');
  // 4/s of the time the publishing really took (a loaded host stretches the 1 s), plus the first and the last.
  assert.ok(
    progressed.length >= 2 && progressed.length <= Math.ceil(publishedFor / 250) + 2,
    `${progressed.length} progress messages in ${Math.round(publishedFor)} ms`,
  );
  assert.is(progressed.at(-1)?.fraction, 1, 'the last progress is delivered');
  const fractions = progressed.map((m) => m.fraction as number);
  assert.equal(
    [...fractions].sort((a, b) => a - b),
    fractions,
    'in order',
  );
  assert.equal(
    c.messages.filter((m) => m.type !== 'task.progress').map((m) => m.type),
    ['job.state', 'task.state'],
  );
  // A state change flushes the task's pending progress first: nothing is lost at the end.
  live.bus.publish(progress('job_t', 'enc1', 0.2));
  live.bus.publish(progress('job_t', 'enc1', 0.3));
  live.bus.publish({ type: 'task.state', at: at(), jobId: 'job_t', taskId: 'enc1', kind: 'encode', rendition: '720p', state: 'succeeded', attempt: 1 });
  live.bus.publish(jobState('job_t', 'completed'));
  await received(c, (m) => m.type === 'job.state' && m.state === 'completed');
  const tail = c.messages.slice(-3).map((m) => [m.type, m.fraction ?? m.state]);
  assert.equal(tail, [
    ['task.progress', 0.3],
    ['task.state', 'succeeded'],
    ['job.state', 'completed'],
  ]);
  c.close();
});

test.run();

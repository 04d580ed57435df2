import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../src/config/package-root.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { ApplianceEvent } from '../../src/events/events.js';
import { WebhookAllowList } from '../../src/events/webhooks/allow-list.js';
import { retryDelayMs, WebhookDispatcher } from '../../src/events/webhooks/dispatcher.js';
import { configWebhookId, syncConfigWebhooks } from '../../src/events/webhooks/registry.js';
import { verifyWebhookSignature } from '../../src/events/webhooks/signature.js';
import { createLogger } from '../../src/log/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { generateApplianceCa, issueServerCertificate } from '../../src/tls/appliance-ca.js';
import { deadPort, receiver, until } from './live-app.js';

const SECRET = 'test-secret-0123456789abcdef';
const logger = createLogger('silent');
const at = () => new Date().toISOString();
const jobCompleted = (jobId: string): ApplianceEvent => ({ type: 'job.state', at: at(), jobId, state: 'completed', progress: 1, errorCode: null });

async function addWebhook(store: Store, id: string, url: string, events = ['job.state', 'task.state']): Promise<void> {
  await store.change(async (tx) => {
    await tx.webhooks.insert({ id, url, secret: SECRET, events, source: 'api' });
    await tx.audit({ type: 'webhook.registered', actor: 'test', payload: { webhookId: id, url } });
  });
}

function setup(options: { maxAttempts?: number; backoffBaseMs?: number; dbPath?: string; now?: () => number; caPem?: string } = {}) {
  const store = new SqliteStore({ path: options.dbPath ?? join(tempDir(), 'mpegflow.db') });
  const bus = new EventBus();
  const dispatcher = new WebhookDispatcher({
    store,
    bus,
    logger,
    allowList: new WebhookAllowList([]),
    maxAttempts: options.maxAttempts ?? 6,
    backoffBaseMs: options.backoffBaseMs ?? 100,
    timeoutMs: 2000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.caPem ? { caPem: options.caPem } : {}),
  });
  return { store, bus, dispatcher };
}

/** The verification snippet of docs/webhooks.md, loaded as the module a receiver would write. */
async function documentedVerifier(): Promise<(secret: string, ts: string, sig: string, body: string, now?: number) => boolean> {
  const doc = readFileSync(join(packageRoot, 'docs', 'webhooks.md'), 'utf8');
  const code = /```js\n(\/\/ verify-mpegflow\.mjs[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, 'docs/webhooks.md has the verify-mpegflow.mjs snippet');
  const file = join(tempDir(), 'verify-mpegflow.mjs');
  writeFileSync(file, code);
  const mod = (await import(pathToFileURL(file).href)) as {
    verifyMpegflowSignature: (secret: string, ts: string, sig: string, body: string, now?: number) => boolean;
  };
  return mod.verifyMpegflowSignature;
}

test('a state change is delivered signed; the documented recipe verifies it; progress ticks are not sent', async () => {
  const r = await receiver();
  const { store, bus, dispatcher } = setup();
  await addWebhook(store, 'wh_1', r.url);
  dispatcher.start();
  bus.publish({ type: 'task.progress', at: at(), jobId: 'job_1', taskId: 't', kind: 'encode', rendition: '720p', fraction: 0.5, fps: 30, speed: 1 });
  bus.publish({ type: 'task.state', at: at(), jobId: 'job_1', taskId: 't', kind: 'encode', rendition: '720p', state: 'succeeded', attempt: 1 });
  bus.publish(jobCompleted('job_1'));
  await r.waitFor(2);
  await until(async () => (await store.webhooks.deliveries('wh_1')).every((d) => d.status === 'delivered'), 5000, 'delivered');
  await dispatcher.stop();
  assert.is(r.received.length, 2);
  const verify = await documentedVerifier();
  for (const got of r.received) {
    const ts = String(got.headers['x-mpegflow-timestamp']);
    const sig = String(got.headers['x-mpegflow-signature']);
    assert.match(sig, /^v1=[0-9a-f]{64}$/);
    assert.ok(verify(SECRET, ts, sig, got.body), 'docs snippet verifies');
    assert.ok(verifyWebhookSignature({ secret: SECRET, timestamp: ts, signature: sig, body: got.body }));
    assert.not.ok(verify('another-secret-0123456789', ts, sig, got.body), 'a wrong secret fails');
    assert.not.ok(verify(SECRET, ts, sig, got.body.replace('job_1', 'job_2')), 'a changed body fails');
    assert.not.ok(verify(SECRET, ts, sig, got.body, Number(ts) + 3600), 'an old timestamp fails');
    const hmac = spawnSync('openssl', ['dgst', '-sha256', '-hmac', SECRET, '-r'], { input: `${ts}.${got.body}`, encoding: 'utf8' });
    if (hmac.status === 0) assert.is(`v1=${hmac.stdout.split(' ')[0]}`, sig, 'the openssl recipe gives the same signature');
    assert.is(got.headers['content-type'], 'application/json');
    assert.match(String(got.headers['x-mpegflow-delivery']), /^whd_/);
  }
  const bodies = r.received.map((x) => JSON.parse(x.body) as { seq: number; event: ApplianceEvent });
  assert.equal(
    bodies.map((b) => b.event.type),
    ['task.state', 'job.state'],
  );
  assert.equal(
    r.received.map((x) => x.headers['x-mpegflow-event']),
    ['task.state', 'job.state'],
  );
  // The body's seq is the audit event that recorded exactly this event and its targets.
  const queued = await store.audit.list({ type: 'webhook.event.queued' });
  assert.is(queued.length, 2);
  for (const [i, b] of bodies.entries()) {
    assert.is(queued[i]?.seq, b.seq);
    assert.equal((queued[i]?.payload as { event: unknown }).event, b.event);
    assert.is(queued[i]?.job_id, 'job_1');
  }
  const delivered = await store.audit.list({ type: 'webhook.delivery.delivered' });
  assert.is(delivered.length, 2);
  assert.ok((await store.audit.verify()).ok);
  await store.close();
  await r.close();
});

test('the documented example signature verifies with the documented recipe', async () => {
  const doc = readFileSync(join(packageRoot, 'docs', 'webhooks.md'), 'utf8');
  const ts = /X-MpegFlow-Timestamp: (\d+)/.exec(doc)?.[1] ?? '';
  const sig = /X-MpegFlow-Signature: (v1=[0-9a-f]{64})/.exec(doc)?.[1] ?? '';
  const body = /\n(\{"event":.*"seq":\d+\})\n/.exec(doc)?.[1] ?? '';
  const secret = /secret `(whsec_example[^`]*)`/.exec(doc)?.[1] ?? '';
  const verify = await documentedVerifier();
  assert.ok(verify(secret, ts, sig, body, Number(ts)));
});

test('a receiver that fails twice (500) then succeeds: 3 attempts with growing back-off, delivered, each attempt audited', async () => {
  const r = await receiver((n) => (n <= 2 ? 500 : 204));
  const { store, bus, dispatcher } = setup({ backoffBaseMs: 150 });
  await addWebhook(store, 'wh_2', r.url, ['job.state']);
  dispatcher.start();
  bus.publish(jobCompleted('job_2'));
  await r.waitFor(3);
  await until(async () => (await store.webhooks.deliveries('wh_2'))[0]?.status === 'delivered', 5000, 'delivered');
  await dispatcher.stop();
  const [d] = await store.webhooks.deliveries('wh_2');
  assert.is(d?.attempt, 3);
  assert.is(d?.responseCode, 204);
  assert.is(d?.error, null);
  assert.ok(d?.deliveredAt);
  assert.equal(
    r.received.map((x) => x.headers['x-mpegflow-attempt']),
    ['1', '2', '3'],
  );
  assert.ok(new Set(r.received.map((x) => x.headers['x-mpegflow-delivery'])).size === 1, 'the same delivery id on every retry');
  const gap1 = r.received[1]!.at - r.received[0]!.at;
  const gap2 = r.received[2]!.at - r.received[1]!.at;
  assert.ok(gap1 >= 140 && gap2 >= 290, `back-off gaps ${gap1} ms, ${gap2} ms`);
  const trail = (await store.audit.list({ jobId: 'job_2' })).map((e) => [
    e.type,
    (e.payload as { attempt?: number; responseCode?: number }).responseCode ?? null,
  ]);
  assert.equal(trail, [
    ['webhook.event.queued', null],
    ['webhook.delivery.retrying', 500],
    ['webhook.delivery.retrying', 500],
    ['webhook.delivery.delivered', 204],
  ]);
  await store.close();
  await r.close();
});

test('a receiver that is down: retried with back-off, then failed after the last attempt', async () => {
  const port = await deadPort();
  const { store, bus, dispatcher } = setup({ maxAttempts: 3, backoffBaseMs: 50 });
  const heard: ApplianceEvent[] = [];
  bus.subscribe((e) => (e.type === 'webhook.delivery' ? heard.push(e) : undefined));
  await addWebhook(store, 'wh_3', `http://127.0.0.1:${port}/hook`);
  dispatcher.start();
  bus.publish(jobCompleted('job_3'));
  await until(async () => (await store.webhooks.deliveries('wh_3'))[0]?.status === 'failed', 5000, 'failed');
  await dispatcher.stop();
  const [d] = await store.webhooks.deliveries('wh_3');
  assert.is(d?.attempt, 3);
  assert.is(d?.responseCode, null);
  assert.match(d?.error ?? '', /ECONNREFUSED/);
  assert.is(d?.nextAttemptAt, null);
  assert.equal(
    heard.map((e) => e.type === 'webhook.delivery' && e.status),
    ['retrying', 'retrying', 'failed'],
  );
  const failed = await store.audit.list({ type: 'webhook.delivery.failed' });
  assert.is(failed.length, 1);
  assert.is((failed[0]?.payload as { url: string }).url, `http://127.0.0.1:${port}/hook`);
  await store.close();
});

test('pending deliveries survive a restart: a new process resumes and delivers them', async () => {
  const dbPath = join(tempDir(), 'mpegflow.db');
  let answer = 503;
  const r = await receiver(() => answer);
  const first = setup({ dbPath, backoffBaseMs: 60_000 });
  await addWebhook(first.store, 'wh_4', r.url);
  first.dispatcher.start();
  first.bus.publish(jobCompleted('job_4'));
  await r.waitFor(1);
  await until(async () => (await first.store.webhooks.deliveries('wh_4'))[0]?.attempt === 1, 5000, 'first attempt recorded');
  await first.dispatcher.stop();
  await first.store.close();
  answer = 200;
  // The next start, after the back-off has elapsed.
  const second = setup({ dbPath, now: () => Date.now() + 120_000 });
  assert.equal(
    (await second.store.webhooks.deliveries('wh_4')).map((d) => [d.status, d.attempt]),
    [['pending', 1]],
  );
  second.dispatcher.start();
  await r.waitFor(2);
  await until(async () => (await second.store.webhooks.deliveries('wh_4'))[0]?.status === 'delivered', 5000, 'delivered');
  await second.dispatcher.stop();
  assert.is(r.received[0]?.body, r.received[1]?.body, 'the same body');
  assert.ok((await second.store.audit.verify()).ok);
  await second.store.close();
  await r.close();
});

test('a disabled webhook is not called: its pending deliveries end failed', async () => {
  const r = await receiver();
  const { store, bus, dispatcher } = setup({ backoffBaseMs: 60_000 });
  await addWebhook(store, 'wh_5', r.url);
  // Queued while the dispatcher listens but before any send: disable right after queueing.
  bus.subscribe(() => undefined);
  dispatcher.start();
  await store.change(async (tx) => {
    await tx.webhooks.update('wh_5', { disabledAt: at() });
    await tx.audit({ type: 'webhook.disabled', actor: 'test', payload: { webhookId: 'wh_5' } });
  });
  bus.publish(jobCompleted('job_5'));
  await dispatcher.flushQueue();
  await dispatcher.stop();
  assert.equal(await store.webhooks.deliveries('wh_5'), [], 'nothing queued for a disabled webhook');
  assert.is(r.received.length, 0);
  await store.close();
  await r.close();
});

test('config webhooks are synced at start: registered, updated, disabled; each change audited, secrets never', async () => {
  const store = new SqliteStore({ path: join(tempDir(), 'mpegflow.db') });
  const a = { url: 'http://127.0.0.1:9001/a', secret: 'secret-a-0123456789' };
  const b = { url: 'http://mam.internal:9000/hooks', secret: 'secret-b-0123456789' };
  assert.equal(await syncConfigWebhooks(store, [a, b]), { registered: 2, updated: 0, disabled: 0 });
  assert.equal(await syncConfigWebhooks(store, [a, b]), { registered: 0, updated: 0, disabled: 0 }, 'idempotent');
  assert.equal(await syncConfigWebhooks(store, [{ ...a, secret: 'secret-a-rotated-0000' }]), { registered: 0, updated: 1, disabled: 1 });
  const all = await store.webhooks.list({ includeDisabled: true });
  assert.equal(
    all.map((w) => [w.id, w.source, w.disabledAt === null]).sort(),
    [
      [configWebhookId(a.url), 'config', true],
      [configWebhookId(new URL(b.url).href), 'config', false],
    ].sort(),
  );
  assert.is((await store.webhooks.get(configWebhookId(a.url)))?.secret, 'secret-a-rotated-0000');
  const trail = (await store.audit.list()).map((e) => e.type);
  assert.equal(trail, ['webhook.registered', 'webhook.registered', 'webhook.updated', 'webhook.disabled']);
  const text = JSON.stringify(await store.audit.list());
  assert.not.match(text, /secret-a|secret-b/, 'no secret in the audit trail');
  await store.close();
});

test('https targets: delivered when their certificate chains to webhookCaFile; refused (never skipped) when it does not', async () => {
  const ca = await generateApplianceCa({ commonName: 'Webhook receiver test CA' });
  const r = await receiver(() => 200, await issueServerCertificate(ca, ['127.0.0.1']));
  assert.match(r.url, /^https:/);
  const trusted = setup({ caPem: ca.cert });
  await addWebhook(trusted.store, 'wh_tls', r.url, ['job.state']);
  trusted.dispatcher.start();
  trusted.bus.publish(jobCompleted('job_tls'));
  await r.waitFor(1);
  await until(
    async () => {
      const ds = await trusted.store.webhooks.deliveries('wh_tls');
      return ds.length === 1 && ds[0]!.status === 'delivered';
    },
    5000,
    'delivered over TLS',
  );
  await trusted.dispatcher.stop();

  const untrusting = setup({ maxAttempts: 1 });
  await addWebhook(untrusting.store, 'wh_tls', r.url, ['job.state']);
  untrusting.dispatcher.start();
  untrusting.bus.publish(jobCompleted('job_tls'));
  await until(
    async () => {
      const ds = await untrusting.store.webhooks.deliveries('wh_tls');
      return ds.length === 1 && ds[0]!.status === 'failed';
    },
    5000,
    'failed',
  );
  await untrusting.dispatcher.stop();
  const [failed] = await untrusting.store.webhooks.deliveries('wh_tls');
  assert.match(failed!.error ?? '', /TLS certificate does not verify \(\w+\); set webhookCaFile/, String(failed!.error));
  assert.is(r.received.length, 1, 'nothing reached the receiver without a verified certificate');
  await r.close();
});

test('back-off doubles per attempt and is capped', () => {
  assert.equal(
    [1, 2, 3, 4, 5, 6, 10].map((n) => retryDelayMs(n, 10_000, 300_000)),
    [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000],
  );
});

test.run();

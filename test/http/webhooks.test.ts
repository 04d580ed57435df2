import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebhookDispatcher } from '../../src/events/webhooks/dispatcher.js';
import { WebhookAllowList } from '../../src/events/webhooks/allow-list.js';
import { deadPort, liveApp, receiver, until } from '../events/live-app.js';

type App = Awaited<ReturnType<typeof liveApp>>;
let live: App;

test.before(async () => {
  live = await liveApp({ webhookAllowedHosts: ['mam.internal', '10.20.30.40'] });
});
test.after(async () => {
  await live.close();
});

const post = (role: 'admin' | 'operator' | 'viewer' | 'auditor', body: unknown, raw?: string) =>
  fetch(`${live.url}/api/v1/webhooks`, { method: 'POST', ...live.auth(role, { 'content-type': 'application/json' }), body: raw ?? JSON.stringify(body) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

test('an admin registers a webhook: 201 with its secret once; listing never shows it; the action is audited', async () => {
  const res = await post('admin', { url: 'http://127.0.0.1:9123/hook', events: ['job.state'] });
  assert.is(res.status, 201);
  const created = (await res.json()) as { id: string; url: string; secret: string; events: string[]; source: string };
  assert.match(created.id, /^wh_/);
  assert.match(created.secret, /^whsec_/);
  assert.equal(created.events, ['job.state']);
  assert.is(created.source, 'api');
  const list = (await (await fetch(`${live.url}/api/v1/webhooks`, live.auth('auditor'))).json()) as { items: Array<Record<string, unknown>> };
  const listed = list.items.find((w) => w.id === created.id);
  assert.ok(listed);
  assert.not.ok('secret' in listed!, 'no secret in the list');
  const one = (await (await fetch(`${live.url}/api/v1/webhooks/${created.id}`, live.auth('admin'))).json()) as Record<string, unknown>;
  assert.not.ok('secret' in one);
  const audit = await live.store.audit.list({ type: 'webhook.registered' });
  const event = audit.find((e) => (e.payload as { webhookId: string }).webhookId === created.id);
  assert.ok(event);
  assert.match(event!.actor, /^token:/);
  assert.not.match(JSON.stringify(event!.payload), new RegExp(created.secret), 'the audit event holds no secret');
  // The same URL twice: 409.
  const again = await post('admin', { url: 'http://127.0.0.1:9123/hook' });
  assert.is(again.status, 409);
  assert.is((await errorOf(again)).code, 'WEBHOOK_EXISTS');
});

test('targets outside the allow-list are refused with WEBHOOK_TARGET_NOT_ALLOWED; configured internal hosts are accepted', async () => {
  for (const url of ['http://example.com/hook', 'https://8.8.8.8/x', 'http://mam.internal.evil.com/x', 'http://10.20.30.41:9000/']) {
    const res = await post('admin', { url, secret: 'a-secret-of-16-chars' });
    assert.is(res.status, 400, url);
    assert.is((await errorOf(res)).code, 'WEBHOOK_TARGET_NOT_ALLOWED', url);
  }
  for (const url of ['http://mam.internal:9000/hooks/mpegflow', 'https://10.20.30.40/x', 'http://localhost:8999/h', 'http://[::1]:8999/h']) {
    const res = await post('admin', { url, secret: 'a-secret-of-16-chars' });
    assert.is(res.status, 201, url);
  }
  assert.is((await live.store.webhooks.list()).filter((w) => /example|8\.8\.8\.8|evil/.test(w.url)).length, 0, 'nothing stored');
});

test('bad inputs: wrong role 403, malformed JSON, unknown fields, bad URL or secret or events 400, wrong content type 415', async () => {
  for (const role of ['viewer', 'operator', 'auditor'] as const) {
    const res = await post(role, { url: 'http://127.0.0.1:9124/hook' });
    assert.is(res.status, 403, role);
    assert.is((await errorOf(res)).code, 'FORBIDDEN');
  }
  const viewerList = await fetch(`${live.url}/api/v1/webhooks`, live.auth('viewer'));
  assert.is(viewerList.status, 403);
  const malformed = await post('admin', null, '{"url": ');
  assert.is(malformed.status, 400);
  assert.is((await errorOf(malformed)).code, 'INVALID_JSON');
  const cases: Array<[unknown, string, RegExp]> = [
    [{ url: 'http://127.0.0.1:1/h', extra: true }, 'VALIDATION_FAILED', /extra: unknown field/],
    [{}, 'VALIDATION_FAILED', /url/],
    [{ url: 'not a url' }, 'VALIDATION_FAILED', /url: not a valid URL/],
    [{ url: 'ftp://127.0.0.1/h' }, 'VALIDATION_FAILED', /scheme ftp/],
    [{ url: 'http://user:pw@127.0.0.1/h' }, 'VALIDATION_FAILED', /user name or password/],
    [{ url: 'http://127.0.0.1:1/h', secret: 'short' }, 'VALIDATION_FAILED', /secret: must be at least 16/],
    [{ url: 'http://127.0.0.1:1/h', events: ['task.progress'] }, 'VALIDATION_FAILED', /events/],
    [{ url: 'http://127.0.0.1:1/h', events: [] }, 'VALIDATION_FAILED', /events/],
  ];
  for (const [body, code, message] of cases) {
    const res = await post('admin', body);
    assert.is(res.status, 400, JSON.stringify(body));
    const error = await errorOf(res);
    assert.is(error.code, code);
    assert.match(error.message, message);
  }
  const text = await fetch(`${live.url}/api/v1/webhooks`, { method: 'POST', ...live.auth('admin', { 'content-type': 'text/plain' }), body: '{}' });
  assert.is(text.status, 415);
  const unknown = await fetch(`${live.url}/api/v1/webhooks/wh_nope/deliveries`, live.auth('admin'));
  assert.is(unknown.status, 404);
  const noAuth = await fetch(`${live.url}/api/v1/webhooks`);
  assert.is(noAuth.status, 401);
});

test('deliveries are visible through the API: delivered and failed ones, with attempts, codes and errors', async () => {
  const r = await receiver((n) => (n === 1 ? 500 : 200));
  const dead = await deadPort();
  const good = (await (await post('admin', { url: r.url, secret: 'receiver-secret-0123' })).json()) as { id: string };
  const down = (await (await post('admin', { url: `http://127.0.0.1:${dead}/hook`, secret: 'receiver-secret-0123', events: ['job.state'] })).json()) as {
    id: string;
  };
  const dispatcher = new WebhookDispatcher({
    store: live.store,
    bus: live.bus,
    logger: live.logger,
    allowList: new WebhookAllowList([]),
    maxAttempts: 3,
    backoffBaseMs: 50,
  });
  dispatcher.start();
  live.bus.publish({ type: 'job.state', at: new Date().toISOString(), jobId: 'job_api', state: 'failed', progress: 0.5, errorCode: 'ENCODE_FAILED' });
  const deliveries = async (id: string, query = '') =>
    ((await (await fetch(`${live.url}/api/v1/webhooks/${id}/deliveries${query}`, live.auth('auditor'))).json()) as { items: Array<Record<string, unknown>> })
      .items;
  await until(async () => (await deliveries(good.id))[0]?.status === 'delivered' && (await deliveries(down.id))[0]?.status === 'failed', 8000, 'both settled');
  await dispatcher.stop();
  const [ok] = await deliveries(good.id);
  assert.is(ok?.attempt, 2);
  assert.is(ok?.responseCode, 200);
  assert.is(ok?.eventType, 'job.state');
  assert.is(ok?.jobId, 'job_api');
  assert.equal((ok?.body as { event: { state: string } }).event.state, 'failed');
  const [bad] = await deliveries(down.id);
  assert.is(bad?.attempt, 3);
  assert.is(bad?.status, 'failed');
  assert.match(String(bad?.error), /ECONNREFUSED/);
  assert.is(bad?.nextAttemptAt, null);
  assert.is((await deliveries(down.id, '?status=delivered')).length, 0);
  assert.is((await deliveries(down.id, '?status=failed&limit=5')).length, 1);
  const badQuery = await fetch(`${live.url}/api/v1/webhooks/${down.id}/deliveries?bogus=1`, live.auth('admin'));
  assert.is(badQuery.status, 400);
  // The job's audit trail proves what was sent where.
  const trail = (await live.store.audit.list({ jobId: 'job_api' })).map((e) => e.type);
  assert.equal(trail.filter((t) => t === 'webhook.event.queued').length, 1);
  assert.ok(trail.includes('webhook.delivery.delivered') && trail.includes('webhook.delivery.failed'));
  await r.close();
});

test('an admin disables an API webhook (audited); nothing more is queued for it', async () => {
  const created = (await (await post('admin', { url: 'http://127.0.0.1:9555/x' })).json()) as { id: string };
  const del = await fetch(`${live.url}/api/v1/webhooks/${created.id}`, { method: 'DELETE', ...live.auth('admin') });
  assert.is(del.status, 204);
  const again = await fetch(`${live.url}/api/v1/webhooks/${created.id}`, { method: 'DELETE', ...live.auth('admin') });
  assert.is(again.status, 409);
  const viewer = await fetch(`${live.url}/api/v1/webhooks/${created.id}`, { method: 'DELETE', ...live.auth('viewer') });
  assert.is(viewer.status, 403);
  const list = (await (await fetch(`${live.url}/api/v1/webhooks`, live.auth('admin'))).json()) as { items: Array<{ id: string }> };
  assert.not.ok(list.items.some((w) => w.id === created.id));
  const all = (await (await fetch(`${live.url}/api/v1/webhooks?all=true`, live.auth('admin'))).json()) as {
    items: Array<{ id: string; disabledAt: string | null }>;
  };
  assert.ok(all.items.find((w) => w.id === created.id)?.disabledAt);
  assert.ok((await live.store.audit.list({ type: 'webhook.disabled' })).some((e) => (e.payload as { webhookId: string }).webhookId === created.id));
});

test.run();

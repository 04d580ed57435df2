import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { testApp } from '../helpers/test-app.js';

type ErrorBody = { error: { code: string; message: string } };

test('a typed error maps to its status and code', async () => {
  const { app, store } = await testApp();
  app.get('/test/typed', () => {
    throw new ApplianceError('JOB_NOT_FOUND', 'no job j1');
  });
  const res = await app.request('/test/typed');
  assert.is(res.status, 404);
  assert.equal(await res.json(), { error: { code: 'JOB_NOT_FOUND', message: 'no job j1' } });
  await store.close();
});

test('an unexpected error is a 500 INTERNAL with no stack trace, logged with its request id', async () => {
  const { app, store, logLines } = await testApp();
  app.get('/test/boom', () => {
    throw new TypeError('secret internals at /src/x.ts:12');
  });
  const res = await app.request('/test/boom');
  assert.is(res.status, 500);
  const text = await res.text();
  const body = JSON.parse(text) as ErrorBody;
  assert.is(body.error.code, 'INTERNAL');
  assert.not.match(text, /secret internals|\.ts:|at /);
  const requestId = res.headers.get('x-request-id');
  assert.ok(requestId);
  assert.match(body.error.message, requestId);
  assert.ok(
    logLines.some((l) => l.includes(requestId) && l.includes('secret internals')),
    'logged server-side',
  );
  await store.close();
});

test('an unknown route is a JSON 404', async () => {
  const { app, store, auth } = await testApp();
  const res = await app.request('/api/v1/nope', auth('admin'));
  assert.is(res.status, 404);
  assert.is(((await res.json()) as ErrorBody).error.code, 'NOT_FOUND');
  await store.close();
});

test('bad bodies: wrong content type 415, malformed JSON 400, unknown field 400, oversize 413', async () => {
  const { app, store, auth } = await testApp();
  const post = (body: string, type = 'application/json') => app.request('/api/v1/tokens', { method: 'POST', body, ...auth('admin', { 'content-type': type }) });
  const cases: [Response, number, string, RegExp?][] = [
    [await post('{"name":"x","role":"viewer"}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [await post('{"name":'), 400, 'INVALID_JSON'],
    [await post('{"name":"x","role":"viewer","admin":true}'), 400, 'VALIDATION_FAILED', /admin: unknown field/],
    [await post('{"name":"x","role":"root"}'), 400, 'VALIDATION_FAILED', /^role:/],
    [await post(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), role: 'viewer' })), 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [res, status, code, message] of cases) {
    assert.is(res.status, status, code);
    const body = (await res.json()) as ErrorBody;
    assert.is(body.error.code, code);
    if (message) assert.match(body.error.message, message);
  }
  assert.is(await store.tokens.countActive(), 4, 'nothing created');
  await store.close();
});

test('healthz is open, and says degraded with the failed check', async () => {
  const { app, store, health } = await testApp();
  const ok = await app.request('/healthz');
  assert.is(ok.status, 200);
  assert.equal(await ok.json(), { status: 'ok' });
  health.set('auditChain', { ok: false, detail: 'audit chain broken at seq 3' });
  const bad = await app.request('/healthz');
  assert.is(bad.status, 503);
  assert.equal(await bad.json(), { status: 'degraded', checks: { auditChain: { ok: false, detail: 'audit chain broken at seq 3' } } });
  await store.close();
});

test.run();

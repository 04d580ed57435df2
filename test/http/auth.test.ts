import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../helpers/test-app.js';

test('no token is 401 with a stable code', async () => {
  const { app, store } = await testApp();
  const res = await app.request('/api/v1/whoami');
  assert.is(res.status, 401);
  assert.equal(await res.json(), { error: { code: 'UNAUTHENTICATED', message: 'missing Authorization: Bearer <token> header' } });
  await store.close();
});

test('a wrong or malformed token is 401', async () => {
  const { app, store } = await testApp();
  for (const header of ['Bearer mf_wrong', 'Basic abc', 'Bearer']) {
    const res = await app.request('/api/v1/whoami', { headers: { authorization: header } });
    assert.is(res.status, 401, header);
    assert.is(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  }
  await store.close();
});

test('each role reaches what it may', async () => {
  const { app, store, auth } = await testApp();
  const me = await app.request('/api/v1/whoami', auth('viewer'));
  assert.is(me.status, 200);
  assert.is(((await me.json()) as { role: string }).role, 'viewer');
  assert.is((await app.request('/api/v1/tokens', auth('admin'))).status, 200);
  await store.close();
});

test('a role that may not is 403 with FORBIDDEN', async () => {
  const { app, store, auth } = await testApp();
  for (const role of ['operator', 'viewer', 'auditor'] as const) {
    const res = await app.request('/api/v1/tokens', auth(role));
    assert.is(res.status, 403, role);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, 'FORBIDDEN');
    assert.match(body.error.message, /needs admin/);
  }
  await store.close();
});

test('an admin issues a token that works, and revokes it; both audited, never the token itself', async () => {
  const { app, store, auth } = await testApp();
  const made = await app.request('/api/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'mam', role: 'operator' }),
    ...auth('admin', { 'content-type': 'application/json' }),
  });
  assert.is(made.status, 201);
  const { id, token, expiresAt } = (await made.json()) as { id: string; token: string; expiresAt: string };
  const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 89.9 && days <= 90, `expires in 90 days by default (${days})`);
  assert.is((await app.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.is((await app.request(`/api/v1/tokens/${id}`, { method: 'DELETE', ...auth('admin') })).status, 204);
  const after = await app.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
  assert.is(after.status, 401);
  assert.match(((await after.json()) as { error: { message: string } }).error.message, /revoked/);
  const events = await store.audit.list();
  const issued = events.find((e) => e.type === 'api_token.issued' && (e.payload as { tokenId: string }).tokenId === id);
  assert.ok(issued, 'issue audited');
  assert.ok(
    events.some((e) => e.type === 'api_token.revoked'),
    'revoke audited',
  );
  assert.not.match(JSON.stringify(events), token);
  assert.ok((await store.audit.verify()).ok);
  await store.close();
});

test('a token that never expires only when asked for, and the audit says so', async () => {
  const { app, store, auth } = await testApp();
  const made = await app.request('/api/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'ci', role: 'operator', expiresAt: null }),
    ...auth('admin', { 'content-type': 'application/json' }),
  });
  assert.is(made.status, 201);
  const { id, expiresAt } = (await made.json()) as { id: string; expiresAt: string | null };
  assert.is(expiresAt, null);
  const issued = (await store.audit.list({ type: 'api_token.issued' })).find((e) => (e.payload as { tokenId: string }).tokenId === id)!;
  assert.is((issued.payload as { neverExpires?: boolean }).neverExpires, true);
  await store.close();
});

test('an expired token is 401', async () => {
  const { app, store, auth } = await testApp();
  const made = await app.request('/api/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'old', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' }),
    ...auth('admin', { 'content-type': 'application/json' }),
  });
  const { token } = (await made.json()) as { token: string };
  const res = await app.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
  assert.is(res.status, 401);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /expired/);
  await store.close();
});

test.run();

// Operator accounts and the UI's session cookie, over real HTTP on 127.0.0.1 with a real SQLite file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { createUser, MAX_FAILED_LOGINS, startTotpEnrollment } from '../../src/auth/sessions.js';
import { totpCode } from '../../src/auth/totp.js';
import { liveApp } from '../events/live-app.js';

type App = Awaited<ReturnType<typeof liveApp>>;
let live: App;
/** The app's clock runs with real time, plus 30 s per admin sign-in: each TOTP code is good once (test/http/totp covers that). */
let offset = 0;
const now = () => new Date(Date.now() + offset);
/** alice is an admin: she signs in with a password and the code of her authenticator. */
let aliceTotp = '';
test.before(async () => {
  live = await liveApp({ now });
  await createUser(live.store, { username: 'alice', role: 'admin', password: 'correct horse battery' }, 'test');
  await createUser(live.store, { username: 'victor', role: 'viewer', password: 'viewer password 1' }, 'test');
  aliceTotp = (await startTotpEnrollment(live.store, 'alice', 'correct horse battery', now)).secret;
});
test.after(async () => {
  await live.close();
});

const CSRF = { 'x-mpegflow-csrf': '1' };

async function login(username: string, password: string, headers: Record<string, string> = CSRF): Promise<Response> {
  const totp = username === 'alice' && password === 'correct horse battery' ? { totp: totpCode(aliceTotp, (offset += 30_000) + Date.now()) } : {};
  return fetch(`${live.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password, ...totp }),
  });
}

async function cookieOf(username: string, password: string): Promise<string> {
  const res = await login(username, password);
  assert.is(res.status, 200, await res.clone().text());
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0]!;
}

const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

test('login sets an HttpOnly SameSite=Strict session cookie; the API accepts it; the login is audited', async () => {
  const res = await login('alice', 'correct horse battery');
  assert.is(res.status, 200);
  const body = (await res.json()) as { user: { username: string; role: string } };
  assert.equal(body.user.username, 'alice');
  const set = res.headers.get('set-cookie') ?? '';
  assert.match(set, /^mpegflow_session=mfs_[A-Za-z0-9_-]{43};/);
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Path=\//);
  const me = await fetch(`${live.url}/api/v1/whoami`, { headers: { cookie: set.split(';')[0]! } });
  assert.is(me.status, 200);
  assert.equal(((await me.json()) as { name: string; role: string }).role, 'admin');
  const events = await live.store.audit.list({ type: 'user.login' });
  assert.ok(events.some((e) => e.actor === 'user:alice'));
  // Only the scrypt hash is kept.
  const stored = await live.store.users.byUsername('alice');
  assert.match(stored!.passwordHash, /^scrypt\$32768\$8\$1\$/);
  assert.not.ok(stored!.passwordHash.includes('correct horse'));
});

test('wrong password and unknown user answer the same 401; 5 failures lock the account (423) until an admin unlocks it; all audited', async () => {
  await createUser(live.store, { username: 'mallory', role: 'operator', password: 'mal0ry passphrase' }, 'test');
  const unknown = await login('nobody', 'whatever');
  assert.is(unknown.status, 401);
  const unknownBody = (await unknown.json()) as { error: { code: string; message: string } };
  for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
    const res = await login('mallory', `wrong ${i}`);
    assert.is(res.status, 401);
    assert.equal(await res.json(), unknownBody);
  }
  const locked = await login('mallory', 'mal0ry passphrase');
  assert.is(locked.status, 423);
  assert.is(await code(locked), 'ACCOUNT_LOCKED');
  assert.ok((await live.store.audit.list({ type: 'user.locked' })).some((e) => (e.payload as { username: string }).username === 'mallory'));
  assert.ok((await live.store.audit.list({ type: 'user.login_failed' })).length >= MAX_FAILED_LOGINS + 2);

  const admin = await cookieOf('alice', 'correct horse battery');
  const user = (await live.store.users.byUsername('mallory'))!;
  const unlock = await fetch(`${live.url}/api/v1/users/${user.id}`, {
    method: 'PATCH',
    headers: { cookie: admin, ...CSRF, 'content-type': 'application/json' },
    body: JSON.stringify({ unlock: true }),
  });
  assert.is(unlock.status, 200, await unlock.clone().text());
  assert.is((await login('mallory', 'mal0ry passphrase')).status, 200);
  const changed = await live.store.audit.list({ type: 'user.changed' });
  assert.ok(changed.some((e) => e.actor === 'user:alice' && (e.payload as { unlocked: boolean }).unlocked));
});

test('failed logins from one address across many user names: after the limit that address waits (429, Retry-After); audited once', async () => {
  const clock = { now: Date.parse('2026-12-01T10:00:00Z') };
  const throttled = await liveApp({ loginThrottle: new LoginThrottle({ limit: 4, windowMs: 60_000 }), now: () => new Date(clock.now) });
  try {
    await createUser(throttled.store, { username: 'dora', role: 'operator', password: 'd0ra passphrase 12' }, 'test');
    const post = (username: string, password: string) =>
      fetch(`${throttled.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CSRF },
        body: JSON.stringify({ username, password }),
      });
    for (const name of ['ann', 'bob', 'cid', 'dan']) assert.is((await post(name, 'guess')).status, 401, name);
    const refused = await post('dora', 'd0ra passphrase 12');
    assert.is(refused.status, 429, 'even the right password waits: the address is throttled, not the account');
    assert.is(await code(refused), 'LOGIN_THROTTLED');
    assert.is(refused.headers.get('retry-after'), '60');
    assert.is((await post('eve', 'guess')).status, 429);
    const audited = await throttled.store.audit.list({ type: 'auth.login_throttled' });
    assert.is(audited.length, 1, 'one event per burst, not one per refused attempt');
    assert.equal(audited[0]!.payload, { address: '127.0.0.1', failures: 4, windowSeconds: 60, lastUsername: 'dan' });
    assert.is((await throttled.store.users.byUsername('dora'))!.failedAttempts, 0, 'the account itself was never tried');
    clock.now += 60_000;
    assert.is((await post('dora', 'd0ra passphrase 12')).status, 200, 'after the window the address may log in again');
  } finally {
    await throttled.close();
  }
});

test('cookie-authenticated changes need the CSRF header and this origin; bearer tokens do not', async () => {
  const admin = await cookieOf('alice', 'correct horse battery');
  const issue = (headers: Record<string, string>) =>
    fetch(`${live.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'ci', role: 'viewer' }),
    });
  const noHeader = await issue({ cookie: admin });
  assert.is(noHeader.status, 403);
  assert.is(await code(noHeader), 'CSRF_REJECTED');
  const foreign = await issue({ cookie: admin, ...CSRF, origin: 'http://evil.example' });
  assert.is(foreign.status, 403);
  assert.is(await code(foreign), 'CSRF_REJECTED');
  assert.is((await issue({ cookie: admin, ...CSRF, origin: live.url })).status, 201);
  assert.is((await issue(live.auth('admin').headers)).status, 201);
  // The login itself is guarded the same way (no login CSRF).
  const loginNoHeader = await login('alice', 'correct horse battery', {});
  assert.is(loginNoHeader.status, 403);
  // Reads need no header.
  assert.is((await fetch(`${live.url}/api/v1/tokens`, { headers: { cookie: admin } })).status, 200);
});

test('a session has its account role: a viewer is refused admin actions (403)', async () => {
  const viewer = await cookieOf('victor', 'viewer password 1');
  const res = await fetch(`${live.url}/api/v1/users`, {
    method: 'POST',
    headers: { cookie: viewer, ...CSRF, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'x', role: 'admin' }),
  });
  assert.is(res.status, 403);
  assert.is(await code(res), 'FORBIDDEN');
  assert.is((await fetch(`${live.url}/api/v1/users`, { headers: { cookie: viewer } })).status, 403);
});

test('admins create users (a generated password shown once), change roles (open sessions end), disable; the last admin stays', async () => {
  const admin = await cookieOf('alice', 'correct horse battery');
  const h = { cookie: admin, ...CSRF, 'content-type': 'application/json' };
  const created = await fetch(`${live.url}/api/v1/users`, { method: 'POST', headers: h, body: JSON.stringify({ username: 'olga', role: 'operator' }) });
  assert.is(created.status, 201);
  const olga = (await created.json()) as { id: string; password: string; role: string };
  assert.ok(olga.password.length >= 20);
  const olgaCookie = await cookieOf('olga', olga.password);
  const demote = await fetch(`${live.url}/api/v1/users/${olga.id}`, { method: 'PATCH', headers: h, body: JSON.stringify({ role: 'viewer' }) });
  assert.is(demote.status, 200);
  assert.is((await fetch(`${live.url}/api/v1/whoami`, { headers: { cookie: olgaCookie } })).status, 401, 'a role change ends the session');
  const disable = await fetch(`${live.url}/api/v1/users/${olga.id}`, { method: 'PATCH', headers: h, body: JSON.stringify({ disabled: true }) });
  assert.is(disable.status, 200);
  assert.is((await login('olga', olga.password)).status, 401);
  const dup = await fetch(`${live.url}/api/v1/users`, { method: 'POST', headers: h, body: JSON.stringify({ username: 'olga', role: 'viewer' }) });
  assert.is(dup.status, 409);
  const weak = await fetch(`${live.url}/api/v1/users`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ username: 'pat', role: 'viewer', password: 'short' }),
  });
  assert.is(weak.status, 400);
  const reset = await fetch(`${live.url}/api/v1/users/${olga.id}`, {
    method: 'PATCH',
    headers: h,
    body: JSON.stringify({ resetPassword: true, disabled: false }),
  });
  const fresh = (await reset.json()) as { password: string };
  assert.is((await login('olga', fresh.password)).status, 200);
  const created2 = await live.store.audit.list({ type: 'user.created' });
  assert.ok(created2.some((e) => e.actor === 'user:alice' && (e.payload as { username: string }).username === 'olga'));
});

test('refuses to demote the last admin when no admin token remains', async () => {
  await live.store.change(async (tx) => {
    for (const t of await live.store.tokens.list()) if (t.role === 'admin' && !t.revokedAt) await tx.tokens.revoke(t.id, new Date().toISOString());
    await tx.audit({ type: 'test.admin_tokens_revoked', actor: 'test' });
  });
  const admin = await cookieOf('alice', 'correct horse battery');
  const alice = (await live.store.users.byUsername('alice'))!;
  const res = await fetch(`${live.url}/api/v1/users/${alice.id}`, {
    method: 'PATCH',
    headers: { cookie: admin, ...CSRF, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'viewer' }),
  });
  assert.is(res.status, 409);
  assert.is(await code(res), 'LAST_ADMIN');
});

test('/ws accepts the session cookie from this origin, refuses a foreign origin', async () => {
  const cookie = await cookieOf('victor', 'viewer password 1');
  const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const ws = new WebSocket(`${live.wsUrl}/ws`, ['mpegflow.v1'], { headers: { cookie, origin: live.url } });
    ws.on('message', (d) => {
      resolve(JSON.parse(String(d)) as Record<string, unknown>);
      ws.close();
    });
    ws.on('unexpected-response', (_q, r) => reject(new Error(`refused ${r.statusCode}`)));
    ws.on('error', reject);
  });
  assert.is(hello.type, 'hello');
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${live.wsUrl}/ws`, ['mpegflow.v1'], { headers: { cookie, origin: 'http://evil.example' } });
    ws.on('unexpected-response', (_q, r) => {
      resolve(r.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('accepted')));
    ws.on('error', () => undefined);
  });
  assert.is(status, 403);
});

test('idle timeout: 15 minutes without the operator’s activity end a session (background refreshes do not count), audited', async () => {
  const cookie = await cookieOf('victor', 'viewer password 1');
  const whoami = (extra: Record<string, string> = {}) => fetch(`${live.url}/api/v1/whoami`, { headers: { cookie, ...extra } });
  assert.is((await whoami()).status, 200);
  offset += 10 * 60_000;
  assert.is((await whoami()).status, 200, 'activity at 10 min moves the idle clock');
  offset += 10 * 60_000;
  assert.is((await whoami({ 'x-mpegflow-background': '1' })).status, 200, '10 min after the last activity: still open');
  offset += 6 * 60_000;
  const late = await whoami({ 'x-mpegflow-background': '1' });
  assert.is(late.status, 401, '16 min after the last activity (the background refresh did not count)');
  assert.is(await code(late), 'UNAUTHENTICATED');
  assert.is((await whoami()).status, 401, 'ended for good');
  const expired = (await live.store.audit.list({ type: 'user.session_expired', limit: 10000 })).at(-1)!;
  assert.equal((expired.payload as { username: string; reason: string; idleMinutes: number }).reason, 'idle');
  assert.is((expired.payload as { username: string }).username, 'victor');
});

test('a login deletes sessions that have expired', async () => {
  const victor = (await live.store.users.byUsername('victor'))!;
  await live.store.change(async (tx) => {
    await tx.sessions.insert({ id: 'ses_stale', userId: victor.id, tokenHash: 'f'.repeat(64), expiresAt: Date.now() - 1000, lastSeenAt: Date.now() - 5000 });
    await tx.audit({ type: 'test.session_planted', actor: 'test' });
  });
  assert.ok(await live.store.sessions.byHash('f'.repeat(64)));
  await cookieOf('victor', 'viewer password 1');
  assert.is(await live.store.sessions.byHash('f'.repeat(64)), undefined);
  const last = (await live.store.audit.list({ type: 'user.login', limit: 10000 })).at(-1)!;
  assert.ok((last.payload as { expiredSessionsDeleted: number }).expiredSessionsDeleted >= 1);
});

test('logout ends the session (audited); the old cookie is refused', async () => {
  const cookie = await cookieOf('victor', 'viewer password 1');
  const out = await fetch(`${live.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, ...CSRF } });
  assert.is(out.status, 204);
  assert.match(out.headers.get('set-cookie') ?? '', /mpegflow_session=;/);
  const again = await fetch(`${live.url}/api/v1/whoami`, { headers: { cookie } });
  assert.is(again.status, 401);
  assert.ok((await live.store.audit.list({ type: 'user.logout' })).some((e) => e.actor === 'user:victor'));
  assert.is((await live.store.audit.verify()).ok, true);
});

test.run();

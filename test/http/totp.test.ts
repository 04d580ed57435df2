// The second factor: admins (and anyone who enrolled) sign in with a TOTP code; enrollment,
// replay, brute force, reset — over real HTTP with a real SQLite file, codes made by otpauth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, DEFAULT_SESSION_POLICY, login, MAX_FAILED_LOGINS } from '../../src/auth/sessions.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';
import { totpCode } from '../../src/auth/totp.js';
import { liveApp } from '../events/live-app.js';

type App = Awaited<ReturnType<typeof liveApp>>;
let live: App;
/** The app's clock: real time plus `offset` (a test steps it 30 s to get the next code). */
let offset = 0;
const now = () => new Date(Date.now() + offset);
const nextStep = () => (offset += 30_000);
test.before(async () => {
  live = await liveApp({ now });
  await createUser(live.store, { username: 'bob', role: 'admin', password: 'b0b admin passphrase' }, 'test');
  await createUser(live.store, { username: 'vera', role: 'viewer', password: 'v3ra viewer passphrase' }, 'test');
});
test.after(async () => {
  await live.close();
});

const CSRF = { 'x-mpegflow-csrf': '1', 'content-type': 'application/json' };
const post = (path: string, body: unknown) => fetch(`${live.url}/api/v1${path}`, { method: 'POST', headers: CSRF, body: JSON.stringify(body) });
const signIn = (username: string, password: string, totp?: string) => post('/session', { username, password, ...(totp !== undefined ? { totp } : {}) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const reasons = async (username: string) =>
  (await live.store.audit.list({ type: 'user.login_failed' }))
    .filter((e) => (e.payload as { username?: string }).username === username)
    .map((e) => (e.payload as { reason: string }).reason);

test('an admin without a second factor cannot sign in with a password alone; enrolling and the first code sign in', async () => {
  const plain = await signIn('bob', 'b0b admin passphrase');
  assert.is(plain.status, 401);
  assert.is(plain.headers.get('set-cookie'), null, 'no session');
  assert.is((await errorOf(plain)).code, 'TOTP_ENROLLMENT_REQUIRED');

  const wrongPassword = await post('/session/totp-enrollment', { username: 'bob', password: 'not it' });
  assert.is(wrongPassword.status, 401);
  assert.is((await errorOf(wrongPassword)).code, 'LOGIN_FAILED');

  const enrolled = await post('/session/totp-enrollment', { username: 'bob', password: 'b0b admin passphrase' });
  assert.is(enrolled.status, 201);
  const { secret, uri, digits, periodSeconds } = (await enrolled.json()) as { secret: string; uri: string; digits: number; periodSeconds: number };
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(uri, /^otpauth:\/\/totp\/MpegFlow%20Appliance:bob\?issuer=MpegFlow%20Appliance&secret=[A-Z2-7]{32}&algorithm=SHA1&digits=6&period=30$/);
  assert.equal([digits, periodSeconds], [6, 30]);
  // Not enrolled until a code confirms it: a password alone still does not sign in.
  assert.is((await errorOf(await signIn('bob', 'b0b admin passphrase'))).code, 'TOTP_ENROLLMENT_REQUIRED');

  const wrongCode = await signIn('bob', 'b0b admin passphrase', totpCode(secret, Date.now() + offset + 10 * 60_000));
  assert.is(wrongCode.status, 401);
  assert.is((await errorOf(wrongCode)).code, 'TOTP_INVALID');

  const code = totpCode(secret, now().getTime());
  const ok = await signIn('bob', 'b0b admin passphrase', code);
  assert.is(ok.status, 200, JSON.stringify(await ok.clone().json()));
  assert.match(ok.headers.get('set-cookie') ?? '', /^mpegflow_session=mfs_/);
  const stored = (await live.store.users.byUsername('bob'))!;
  assert.is(stored.totpSecret, secret);
  assert.is(stored.totpPendingSecret, null);
  assert.type(stored.totpEnrolledAt, 'string');
  assert.is((await live.store.audit.list({ type: 'user.totp_enrolled' })).length, 1);
  const loginEvent = (await live.store.audit.list({ type: 'user.login' })).at(-1)!;
  assert.is((loginEvent.payload as { secondFactor: string }).secondFactor, 'totp');
  // No audit event carries the secret.
  assert.not.ok(JSON.stringify(await live.store.audit.list({ limit: 10000 })).includes(secret));
  // The account list says the account has a second factor, never the secret.
  const users = await fetch(`${live.url}/api/v1/users`, { headers: { authorization: `Bearer ${live.tokens.admin}` } });
  const bob = ((await users.json()) as { items: Array<Record<string, unknown>> }).items.find((u) => u['username'] === 'bob')!;
  assert.type(bob['totpEnrolledAt'], 'string');
  assert.not.ok(JSON.stringify(bob).includes(secret));

  // The same code again is a replay, refused even within its 30 s.
  const replay = await signIn('bob', 'b0b admin passphrase', code);
  assert.is(replay.status, 401);
  assert.is((await errorOf(replay)).code, 'TOTP_REPLAYED');
  // A password alone now asks for the code (not counted as a failure); the next code works.
  const noCode = await signIn('bob', 'b0b admin passphrase');
  assert.is((await errorOf(noCode)).code, 'TOTP_REQUIRED');
  nextStep();
  assert.is((await signIn('bob', 'b0b admin passphrase', totpCode(secret, now().getTime()))).status, 200);
  // Enrolled once: a second enrollment is refused until an admin resets it.
  const again = await post('/session/totp-enrollment', { username: 'bob', password: 'b0b admin passphrase' });
  assert.is(again.status, 409);
  assert.is((await errorOf(again)).code, 'TOTP_ALREADY_ENROLLED');
  assert.equal(await reasons('bob'), [
    'second factor not enrolled',
    'wrong password',
    'second factor not enrolled',
    'wrong TOTP code',
    'replayed TOTP code',
    'second factor required',
  ]);
});

test('guessing codes locks the account like guessing passwords; an admin reset makes it enroll again and ends its sessions', async () => {
  const bob = (await live.store.users.byUsername('bob'))!;
  const secret = bob.totpSecret!;
  await live.store.change(async (tx) => {
    await tx.users.update(bob.id, { failedAttempts: 0, lockedUntil: null });
    await tx.audit({ type: 'test.reset_counter', actor: 'test', payload: {} });
  });
  nextStep();
  for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
    const guess = String((Number(totpCode(secret, now().getTime())) + 1 + i) % 1_000_000).padStart(6, '0');
    assert.is((await errorOf(await signIn('bob', 'b0b admin passphrase', guess))).code, 'TOTP_INVALID');
  }
  const locked = await signIn('bob', 'b0b admin passphrase', totpCode(secret, now().getTime()));
  assert.is(locked.status, 423);
  assert.is((await errorOf(locked)).code, 'ACCOUNT_LOCKED');
  assert.ok((await live.store.audit.list({ type: 'user.locked' })).some((e) => (e.payload as { username: string }).username === 'bob'));

  const reset = await fetch(`${live.url}/api/v1/users/${bob.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${live.tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resetTotp: true, unlock: true }),
  });
  assert.is(reset.status, 200, await reset.clone().text());
  assert.is(((await reset.json()) as { totpEnrolledAt: string | null }).totpEnrolledAt, null);
  const event = (await live.store.audit.list({ type: 'user.totp_reset' })).at(-1)!;
  assert.ok((event.payload as { sessionsEnded: number }).sessionsEnded >= 2, 'the sessions of the account ended');
  assert.is((await errorOf(await signIn('bob', 'b0b admin passphrase'))).code, 'TOTP_ENROLLMENT_REQUIRED');
});

test('a viewer signs in with a password alone, may enroll, and from then on needs the code', async () => {
  assert.is((await signIn('vera', 'v3ra viewer passphrase')).status, 200);
  const enrolled = await post('/session/totp-enrollment', { username: 'vera', password: 'v3ra viewer passphrase' });
  const { secret, recoveryCodes } = (await enrolled.json()) as { secret: string; recoveryCodes: string[] };
  assert.is(recoveryCodes.length, 10);
  for (const c of recoveryCodes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  // Until confirmed, the password alone still works (the enrollment is only pending) and a recovery code confirms nothing.
  assert.is((await signIn('vera', 'v3ra viewer passphrase')).status, 200);
  assert.is((await errorOf(await signIn('vera', 'v3ra viewer passphrase', recoveryCodes[0]))).code, 'TOTP_INVALID');
  nextStep();
  assert.is((await signIn('vera', 'v3ra viewer passphrase', totpCode(secret, now().getTime()))).status, 200);
  // A lost authenticator: each recovery code signs in once (upper case and without the dash too); only hashes are stored.
  assert.is((await signIn('vera', 'v3ra viewer passphrase', recoveryCodes[1]!.toUpperCase().replace('-', ''))).status, 200);
  const reused = await signIn('vera', 'v3ra viewer passphrase', recoveryCodes[1]);
  assert.is((await errorOf(reused)).code, 'TOTP_INVALID', 'a used recovery code is refused');
  const used = (await live.store.audit.list({ type: 'user.recovery_code_used' })).at(-1)!;
  assert.equal(used.payload, { userId: (await live.store.users.byUsername('vera'))!.id, username: 'vera', remaining: 9 });
  const row = (await live.store.users.byUsername('vera'))!;
  assert.is(row.totpRecoveryHashes.length, 9);
  assert.not.ok(JSON.stringify(row).includes(recoveryCodes[2]!), 'codes are not stored, only their hashes');
  assert.is((await errorOf(await signIn('vera', 'v3ra viewer passphrase'))).code, 'TOTP_REQUIRED');
  const bad = await signIn('vera', 'v3ra viewer passphrase', 'abc123');
  assert.is(bad.status, 400);
  assert.is((await errorOf(bad)).code, 'VALIDATION_FAILED');
});

test('the roles that need a second factor are configurable (admin always): an operator then must enroll too', async () => {
  await createUser(live.store, { username: 'otto', role: 'operator', password: '0tto operator passphrase' }, 'test');
  const policy = { ...DEFAULT_SESSION_POLICY, secondFactorRoles: ['admin', 'operator'] as const };
  try {
    await login(live.store, 'otto', '0tto operator passphrase', now, undefined, policy);
    assert.unreachable('an operator without a second factor signed in');
  } catch (err) {
    assert.is((err as { code: string }).code, 'TOTP_ENROLLMENT_REQUIRED');
    assert.match((err as Error).message, /the operator role signs in with a second factor/);
  }
  const plain = await login(live.store, 'otto', '0tto operator passphrase', now);
  assert.is(plain.user.username, 'otto', 'by default an operator signs in with a password');
  const cwd = tempDir();
  writeFileSync(join(cwd, 'c.json'), JSON.stringify({ sessions: { secondFactorRoles: ['operator'] } }));
  assert.throws(() => loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'c.json') }, host: { cores: 2, memoryBytes: 2 ** 33 }, cwd }), /must include admin/);
});

test.run();

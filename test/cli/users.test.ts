import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { login, startTotpEnrollment } from '../../src/auth/sessions.js';
import { totpCode } from '../../src/auth/totp.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('init creates the first admin account with its password in secrets/ (0600); users add/list/reset-password/reset-totp', async () => {
  const cwd = tempDir('mpegflow-users-');
  assert.is(runCli(['users', 'list'], { cwd }).code, 1, 'no database yet: a clear error');
  assert.is(runCli(['init'], { cwd }).code, 0);
  const passwordFile = join(cwd, 'data', 'secrets', 'admin.password');
  assert.is(statSync(passwordFile).mode & 0o777, 0o600);
  const adminPassword = readFileSync(passwordFile, 'utf8').trim();
  assert.match(adminPassword, /^[A-Za-z0-9_-]{24}$/);
  // A second init keeps the account and the file.
  assert.is(runCli(['init'], { cwd }).code, 0);
  assert.is(readFileSync(passwordFile, 'utf8').trim(), adminPassword);

  const add = runCli(['users', 'add', 'bob', '--role', 'operator'], { cwd });
  assert.is(add.code, 0, add.stderr);
  const bobPassword = /Password \(shown once\): (\S+)/.exec(add.stdout)?.[1];
  assert.ok(bobPassword, add.stdout);
  assert.is(runCli(['users', 'add', 'bob', '--role', 'viewer'], { cwd }).code, 1, 'duplicate');
  assert.is(runCli(['users', 'add', 'carol', '--role', 'boss'], { cwd }).code, 2, 'bad role');
  assert.is(runCli(['users', 'add', 'carol'], { cwd }).code, 2, 'no role');
  const list = runCli(['users', 'list'], { cwd });
  assert.match(list.stdout, /^admin\tadmin\tactive\t/m);
  assert.match(list.stdout, /^bob\toperator\tactive\t\S+\tpassword-only$/m);
  assert.match(list.stdout, /^admin\tadmin\tactive\t\S+\ttotp-not-enrolled$/m);

  const reset = runCli(['users', 'reset-password', 'admin'], { cwd });
  assert.is(reset.code, 0, reset.stderr);
  const newAdmin = /\(shown once\): (\S+)/.exec(reset.stdout)?.[1];

  const store = new SqliteStore({ path: join(cwd, 'data', 'mpegflow.db') });
  try {
    assert.is((await login(store, 'bob', bobPassword!)).user.role, 'operator');
    // An admin signs in with a second factor: enroll one, then the password and a code.
    await login(store, 'admin', newAdmin!).then(
      () => assert.unreachable('an admin signed in with a password alone'),
      (err: { code: string }) => assert.is(err.code, 'TOTP_ENROLLMENT_REQUIRED'),
    );
    const { secret } = await startTotpEnrollment(store, 'admin', newAdmin!);
    assert.is((await login(store, 'admin', newAdmin!, undefined, totpCode(secret, Date.now()))).user.role, 'admin');
    // A lost authenticator: `users reset-totp` removes it; the next sign-in enrolls again.
    const resetTotp = runCli(['users', 'reset-totp', 'admin'], { cwd });
    assert.is(resetTotp.code, 0, resetTotp.stderr);
    assert.match(resetTotp.stdout, /Second factor of admin removed \(1 session\(s\) ended\)/);
    await login(store, 'admin', newAdmin!, undefined, totpCode(secret, Date.now() + 30_000)).then(
      () => assert.unreachable('the removed authenticator still works'),
      (err: { code: string }) => assert.is(err.code, 'TOTP_ENROLLMENT_REQUIRED'),
    );
    await login(store, 'admin', adminPassword).then(
      () => assert.unreachable('the old password still works'),
      (err: { code: string }) => assert.is(err.code, 'LOGIN_FAILED'),
    );
    const created = await store.audit.list({ type: 'user.created' });
    assert.equal(
      created.map((e) => [e.actor, (e.payload as { username: string }).username]),
      [
        ['system:init', 'admin'],
        ['cli:users', 'bob'],
      ],
    );
  } finally {
    await store.close();
  }
});

test.run();

import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function eventTypes(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'mpegflow.db'), { readonly: true });
  const types = (db.prepare('SELECT type FROM audit_events ORDER BY seq').all() as { type: string }[]).map((r) => r.type);
  db.close();
  return types;
}

test('init creates the data dir layout, the audit key and the admin token', () => {
  const cwd = tempDir();
  const r = runCli(['init'], { cwd });
  assert.is(r.code, 0, r.stderr);
  const data = join(cwd, 'data');
  for (const d of ['objects', 'images', 'secrets', 'trust', 'scratch', 'backups']) assert.ok(statSync(join(data, d)).isDirectory(), d);
  assert.is(statSync(join(data, 'secrets')).mode & 0o777, 0o700);
  assert.is(statSync(join(data, 'secrets', 'admin.token')).mode & 0o777, 0o600);
  assert.is(statSync(join(data, 'secrets', 'audit-key.asc')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(data, 'secrets', 'admin.token'), 'utf8'), /^mf_[A-Za-z0-9_-]{43}\n$/);
  assert.match(readFileSync(join(data, 'trust', 'audit-key.pub.asc'), 'utf8'), /BEGIN PGP PUBLIC KEY BLOCK/);
  assert.equal(eventTypes(data), ['audit_key.created', 'api_token.issued', 'user.created', 'appliance.initialized']);
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  const db = new Database(join(data, 'mpegflow.db'), { readonly: true });
  const all = JSON.stringify(db.prepare('SELECT * FROM audit_events').all()) + JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
  db.close();
  assert.not.ok(all.includes(token), 'the token itself is never stored');
});

test('init is idempotent: same key, same token, no new events', () => {
  const cwd = tempDir();
  const first = runCli(['init'], { cwd });
  const keyBefore = readFileSync(join(cwd, 'data', 'secrets', 'audit-key.asc'), 'utf8');
  const tokenBefore = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8');
  const second = runCli(['init'], { cwd });
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, /already issued/);
  assert.is(first.stdout.match(/Audit key: (\w+)/)?.[1], second.stdout.match(/Audit key: (\w+)/)?.[1]);
  assert.is(readFileSync(join(cwd, 'data', 'secrets', 'audit-key.asc'), 'utf8'), keyBefore);
  assert.is(readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8'), tokenBefore);
  assert.is(eventTypes(join(cwd, 'data')).length, 4);
});

test('MPEGFLOW_ADMIN_TOKEN seeds the admin token and is not written to disk', () => {
  const cwd = tempDir();
  const seed = 'seeded-admin-token-for-automation-0123456789';
  const r = runCli(['init'], { cwd, env: { MPEGFLOW_ADMIN_TOKEN: seed } });
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(existsSync(join(cwd, 'data', 'secrets', 'admin.token')));
  assert.not.match(readFileSync(join(cwd, 'data', 'mpegflow.db')).toString('latin1'), seed);
});

test('a data dir that cannot be written is one line, exit 1, and nothing is created', () => {
  const cwd = tempDir();
  const parent = join(cwd, 'locked');
  mkdirSync(parent);
  chmodSync(parent, 0o755);
  chmodSync(cwd, 0o755);
  // Root writes anywhere: run as nobody to see the real refusal.
  const r = runCli(['init'], {
    cwd,
    env: { MPEGFLOW_DATA_DIR: join(parent, 'data') },
    prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
  });
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^mpegflow: MPEGFLOW_DATA_DIR: .*locked is not writable \(EACCES\)\n$/);
  assert.equal(readdirSync(parent), []);
});

test('a data dir path through a file is one line and exit 1', () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'afile'), 'x');
  const r = runCli(['init'], { cwd, env: { MPEGFLOW_DATA_DIR: join(cwd, 'afile', 'data') } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^mpegflow: MPEGFLOW_DATA_DIR: .* is not a folder\n$/);
});

test('a bad config is one line naming the key, no stack trace', () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'c.json'), JSON.stringify({ pools: { encode: { slots: 0 } } }));
  const r = runCli(['init'], { cwd, env: { MPEGFLOW_CONFIG: join(cwd, 'c.json') } });
  assert.is(r.code, 1);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /pools\.encode\.slots/);
  assert.not.ok(existsSync(join(cwd, 'data')), 'nothing created');
});

test('usage errors exit 2', () => {
  const cwd = tempDir();
  assert.is(runCli(['frobnicate'], { cwd }).code, 2);
  assert.is(runCli(['audit', 'nope'], { cwd }).code, 2);
  assert.is(runCli(['init', '--bogus'], { cwd }).code, 2);
  const help = runCli(['--help'], { cwd });
  assert.is(help.code, 0);
  assert.match(help.stdout, /mpegflow <command>/);
});

test.run();

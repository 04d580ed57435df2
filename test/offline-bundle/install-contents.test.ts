// install.sh checks every file against SHA256SUMS, and the database schema, before it
// changes anything: a bundle that is properly signed but whose contents differ is refused.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../offline-bundle/run.js';
import { resign, runInstaller, testBundle, type TestBundle } from '../helpers/offline-bundle.js';
import { tempDir } from '../helpers/temp-dir.js';
import { assertRefused } from './refusals.js';

let bundle: TestBundle;
let work: string;

test.before(async () => {
  bundle = await testBundle();
  work = tempDir('mpegflow-contents-');
});

function place(name: string): { prefix: string; data: string; tar: string; dir: string } {
  const dir = join(work, name);
  mkdirSync(dir);
  return { dir, prefix: join(dir, 'opt', 'mpegflow'), data: join(dir, 'data'), tar: join(dir, 'bundle.tar') };
}

const install = (tar: string, p: { prefix: string; data: string }) =>
  runInstaller([
    'bash',
    bundle.installer,
    '--bundle',
    tar,
    '--key',
    bundle.publicKey,
    '--prefix',
    p.prefix,
    '--data-dir',
    p.data,
    '--user',
    'root',
    '--no-systemd',
  ]);

const TAR_OPTS = ['--format=posix', '--owner=0', '--group=0', '--numeric-owner'];

test('a file changed inside a re-signed bundle: its sha256 does not match SHA256SUMS', async () => {
  const p = place('changed-file');
  copyFileSync(bundle.tar, p.tar);
  const rel = `${bundle.top}/app/dist/src/cli/usage.js`;
  run('tar', ['-xf', p.tar, '-C', p.dir, rel]);
  writeFileSync(join(p.dir, rel), 'console.log("not what was built")\n');
  run('tar', ['--delete', '-f', p.tar, rel]);
  run('tar', ['--append', '-f', p.tar, '-C', p.dir, ...TAR_OPTS, rel]);
  await resign(bundle, p.tar);
  assertRefused(install(p.tar, p), /file app\/dist\/src\/cli\/usage\.js does not match its sha256 in SHA256SUMS/, p);
});

test('a file missing from a re-signed bundle', async () => {
  const p = place('missing-file');
  copyFileSync(bundle.tar, p.tar);
  run('tar', ['--delete', '-f', p.tar, `${bundle.top}/app/dist/src/store/sqlite/migrate.js`]);
  await resign(bundle, p.tar);
  assertRefused(install(p.tar, p), /missing file app\/dist\/src\/store\/sqlite\/migrate\.js \(listed in SHA256SUMS\)/, p);
});

test('a database migrated by a newer version: a schema downgrade is refused', () => {
  const p = place('newer-schema');
  mkdirSync(p.data);
  const db = new Database(join(p.data, 'mpegflow.db'));
  db.exec('CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric)');
  db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 4102444800000);
  db.close();
  const r = install(bundle.tar, p);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    /^install\.sh: refused: .*mpegflow\.db was migrated by a newer version \(1 migration\(s\) this bundle does not know\): installing it would be a schema downgrade/,
  );
  assert.not.ok(existsSync(p.prefix), 'the prefix was created');
});

test.run();

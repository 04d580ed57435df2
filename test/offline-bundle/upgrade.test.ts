// Installing over an install (an upgrade, here the same version) keeps the data dir.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInstaller, testBundle } from '../helpers/offline-bundle.js';
import { tempDir } from '../helpers/temp-dir.js';

const USER = 'mpegflow-test';

test('installed as a service user; reinstalling keeps the data dir: database, audit trail, keys, admin token, imported image', async () => {
  const bundle = await testBundle();
  const work = tempDir('mpegflow-upgrade-');
  chmodSync(work, 0o755); // the service user must reach the prefix
  const prefix = join(work, 'opt', 'mpegflow');
  const data = join(work, 'data');
  spawnSync('userdel', [USER]);
  const install = () =>
    runInstaller([
      'bash',
      bundle.installer,
      '--bundle',
      bundle.tar,
      '--key',
      bundle.publicKey,
      '--prefix',
      prefix,
      '--data-dir',
      data,
      '--user',
      USER,
      '--no-systemd',
    ]);
  try {
    const first = install();
    assert.is(first.code, 0, first.stderr);
    const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
    assert.ok(uid > 0);
    assert.is(statSync(data).uid, uid);
    assert.is(statSync(join(data, 'secrets', 'audit-key.asc')).uid, uid);
    const doctor = runInstaller([
      'setpriv',
      `--reuid=${USER}`,
      `--regid=${USER}`,
      '--init-groups',
      'env',
      `MPEGFLOW_DATA_DIR=${data}`,
      join(prefix, 'bin', 'mpegflow'),
      'doctor',
    ]);
    assert.is(doctor.code, 0, doctor.stdout + doctor.stderr);
    const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8');
    const key = readFileSync(join(data, 'secrets', 'audit-key.asc'), 'utf8');
    const count = () => {
      const db = new Database(join(data, 'mpegflow.db'), { readonly: true });
      const r = db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number };
      const images = db.prepare("SELECT count(*) AS n FROM encoder_images WHERE state = 'verified'").get() as { n: number };
      db.close();
      return { events: r.n, images: images.n };
    };
    const before = count();
    assert.is(before.images, 1);
    const second = install();
    assert.is(second.code, 0, second.stderr);
    assert.match(second.stdout, /upgrade: data kept/);
    assert.is(readFileSync(join(data, 'secrets', 'admin.token'), 'utf8'), token);
    assert.is(readFileSync(join(data, 'secrets', 'audit-key.asc'), 'utf8'), key);
    const after = count();
    assert.ok(after.events >= before.events, `${after.events} < ${before.events}`);
    assert.is(after.images, 1);
    assert.not.ok(existsSync(`${prefix}.previous`));
    const un = runInstaller(['bash', join(prefix, 'uninstall.sh'), '--purge-data']);
    assert.is(un.code, 0, un.stderr);
    assert.not.ok(existsSync(prefix));
    assert.not.ok(existsSync(data));
  } finally {
    spawnSync('userdel', [USER]);
  }
});

test.run();

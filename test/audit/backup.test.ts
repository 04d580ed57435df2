import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { memoryKek } from '../../src/at-rest/key-encryption-key.js';
import { openSealedFile, sealFile } from '../../src/at-rest/sealed-file.js';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { scheduleBackups } from '../../src/audit/backup-schedule.js';
import { backupStore } from '../../src/audit/store-backup.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { auditFixture, jobLifecycle, sh, type AuditFixture } from './audit-fixture.js';

let f: AuditFixture;
test.before(async () => {
  f = await auditFixture();
  await jobLifecycle(f, 'job_a');
});
test.after(async () => {
  await f.store.close();
});

const verifyDb = (path: string) => runCli(['audit', 'verify', '--db', path], { cwd: tempDir() });

test('an online backup while the appliance writes: a consistent copy whose chain verifies with mpegflow audit verify --db, audited with its sha256', async () => {
  const backupsDir = tempDir('mpegflow-backups-');
  // Writers keep appending while the backup runs.
  let writing = true;
  const writer = (async () => {
    let i = 0;
    while (writing) {
      await f.store.change(async (tx) => void (await tx.audit({ type: 'test.tick', actor: 'test', payload: { i: i++ } })));
      await new Promise((r) => setImmediate(r));
    }
  })();
  const result = await backupStore({ store: f.store, dbPath: join(f.dir, 'mpegflow.db'), backupsDir, retention: 7, actor: 'system' });
  writing = false;
  await writer;
  assert.ok(result.chainOk);
  assert.match(result.path, /\/mpegflow-\d{8}T\d{9}Z\.db$/);
  assert.equal(readdirSync(backupsDir), [result.path.split('/').pop()], 'one self-contained file, no -wal / -shm');
  assert.is(sh(['sha256sum', result.path], backupsDir).out.slice(0, 64), result.sha256);
  const cli = verifyDb(result.path);
  assert.is(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, new RegExp(`audit chain intact: ${result.head!.seq} events, head seq ${result.head!.seq} ${result.head!.hash}`));
  const event = (await f.store.audit.list({ type: 'store.backup.created', limit: 10000 })).at(-1)!;
  assert.equal(event.payload, { file: result.path.split('/').pop(), sha256: result.sha256, size: result.size, head: result.head, chainOk: true });
  // The backup is a snapshot: the live chain went on and its first events are the backup's.
  const live = await f.store.audit.head();
  assert.ok(live!.seq > result.head!.seq);
  assert.is(await f.store.audit.hashOf(result.head!.seq), result.head!.hash);
});

test('a tampered backup fails mpegflow audit verify --db, naming the seq', async () => {
  const backupsDir = tempDir('mpegflow-backups-');
  const result = await backupStore({ store: f.store, dbPath: join(f.dir, 'mpegflow.db'), backupsDir, retention: 7, actor: 'system' });
  const copy = join(tempDir(), 'tampered.db');
  copyFileSync(result.path, copy);
  const db = new Database(copy);
  db.exec('DROP TRIGGER audit_events_no_update');
  db.prepare('UPDATE audit_events SET actor = ? WHERE seq = 4').run('someone-else');
  db.close();
  const cli = verifyDb(copy);
  assert.is(cli.code, 1);
  assert.match(cli.stdout, /audit chain BROKEN at seq 4: hash does not match the event contents/);
  assert.is(verifyDb(result.path).code, 0, 'the original backup is untouched');
});

test('retention keeps the newest N backups; each removal is audited', async () => {
  const backupsDir = tempDir('mpegflow-backups-');
  const made: string[] = [];
  for (let day = 1; day <= 4; day++) {
    const r = await backupStore({
      store: f.store,
      dbPath: join(f.dir, 'mpegflow.db'),
      backupsDir,
      retention: 2,
      actor: 'system',
      now: () => new Date(`2026-11-0${day}T02:30:00.000Z`),
    });
    made.push(r.path.split('/').pop()!);
  }
  assert.equal(made, [
    'mpegflow-20261101T023000000Z.db',
    'mpegflow-20261102T023000000Z.db',
    'mpegflow-20261103T023000000Z.db',
    'mpegflow-20261104T023000000Z.db',
  ]);
  assert.equal(readdirSync(backupsDir).sort(), made.slice(2));
  const pruned = (await f.store.audit.list({ type: 'store.backup.pruned', limit: 10000 })).map((e) => (e.payload as { file: string }).file);
  assert.equal(pruned.slice(-2), made.slice(0, 2));
  for (const name of made.slice(2)) assert.is(verifyDb(join(backupsDir, name)).code, 0);
});

test('a failed backup is a BACKUP_FAILED error, audited, leaving nothing behind', async () => {
  const missing = join(tempDir(), 'no-such-dir', 'deeper');
  const err = await backupStore({ store: f.store, dbPath: join(f.dir, 'mpegflow.db'), backupsDir: missing, retention: 2, actor: 'system' }).then(
    () => null,
    (e: unknown) => e as ApplianceError,
  );
  assert.instance(err, ApplianceError);
  assert.is(err!.code, 'BACKUP_FAILED');
  const event = (await f.store.audit.list({ type: 'store.backup.failed', limit: 10000 })).at(-1);
  assert.ok(event);
});

test('the cron schedule backs up on time and stops cleanly', async () => {
  const backupsDir = tempDir('mpegflow-backups-');
  const results: string[] = [];
  const schedule = scheduleBackups({
    store: f.store,
    dbPath: join(f.dir, 'mpegflow.db'),
    backupsDir,
    retention: 3,
    actor: 'system',
    cron: '* * * * * *',
    onResult: (r) => results.push(r.path),
  });
  const until = Date.now() + 15_000;
  while (results.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await schedule.stop();
  assert.ok(results.length >= 1, 'a backup within the time');
  assert.is(verifyDb(results[0]!).code, 0);
  assert.throws(
    () => scheduleBackups({ store: f.store, dbPath: '', backupsDir, retention: 1, actor: 'system', cron: 'every night' }),
    /backups\.cron: invalid cron expression/,
  );
});

test('with encryption at rest the backup is sealed under the KEK: no clear copy is left, it opens back to the audited bytes, a flipped byte is refused', async () => {
  const backupsDir = tempDir('mpegflow-backups-sealed-');
  const kek = memoryKek(randomBytes(32));
  const seal = async (plain: string, sealed: string) => ({ kekId: (await sealFile(plain, sealed, kek)).kekId });
  const result = await backupStore({ store: f.store, dbPath: join(f.dir, 'mpegflow.db'), backupsDir, retention: 1, actor: 'system', seal });
  assert.match(result.path, /\/mpegflow-\d{8}T\d{9}Z\.db\.sealed$/);
  const name = result.path.split('/').pop()!;
  assert.equal(readdirSync(backupsDir).sort(), [name, `${name}.key`], 'the sealed file and its wrapped key; no clear copy');
  assert.not.ok(readFileSync(result.path).includes('SQLite format 3'), 'nothing of the database in clear');
  assert.is(result.sealed?.kekId, kek.id);
  const event = (await f.store.audit.list({ type: 'store.backup.created', limit: 10000 })).at(-1)!;
  assert.equal((event.payload as { sealed: unknown }).sealed, { sha256: result.sealed!.sha256, kekId: kek.id, key: `${name}.key` });
  const out = join(tempDir(), 'opened.db');
  await openSealedFile(result.path, out, [kek]);
  assert.is(sh(['sha256sum', out], backupsDir).out.slice(0, 64), result.sha256, 'opens to the bytes whose sha256 was audited');
  assert.is(verifyDb(out).code, 0);
  // Another KEK cannot open it; a flipped byte is refused and leaves no output.
  try {
    await openSealedFile(result.path, join(tempDir(), 'x.db'), [memoryKek(randomBytes(32))]);
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApplianceError).code, 'KEK_UNAVAILABLE');
  }
  const bytes = readFileSync(result.path);
  bytes[100]! ^= 1;
  const tampered = join(tempDir(), 'tampered.db.sealed');
  writeFileSync(tampered, bytes);
  copyFileSync(`${result.path}.key`, `${tampered}.key`);
  const refusedOut = join(tempDir(), 'refused.db');
  try {
    await openSealedFile(tampered, refusedOut, [kek]);
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApplianceError).code, 'OBJECT_TAMPERED');
  }
  assert.not.ok(existsSync(refusedOut), 'nothing unchecked is written');
  // Retention removes a sealed backup with its key.
  const next = await backupStore({ store: f.store, dbPath: join(f.dir, 'mpegflow.db'), backupsDir, retention: 1, actor: 'system', seal });
  assert.equal(next.pruned, [name]);
  assert.not.ok(existsSync(`${result.path}.key`));
});

test.run();

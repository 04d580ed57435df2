import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp-dir.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApplianceError ? err.code : `not an ApplianceError: ${String(err)}`;
  }
  return undefined;
}

test('an empty database gets every table, the triggers, WAL and synchronous=FULL', async () => {
  const path = join(tempDir(), 'mpegflow.db');
  const store = new SqliteStore({ path });
  assert.is(store.migration.applied, store.migration.schemaVersion);
  const db = new Database(path, { readonly: true });
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','trigger') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  for (const t of [
    'jobs',
    'tasks',
    'encoder_images',
    'webhooks',
    'webhook_deliveries',
    'users',
    'api_tokens',
    'audit_events',
    'audit_events_no_update',
    'audit_events_no_delete',
  ]) {
    assert.ok(names.includes(t), `missing ${t}`);
  }
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  await store.close();
});

test('an existing database is reopened without re-applying anything and keeps its data', async () => {
  const path = join(tempDir(), 'mpegflow.db');
  const first = new SqliteStore({ path });
  await first.change(async (tx) => void (await tx.audit({ type: 'test.kept', actor: 'test' })));
  await first.close();
  const second = new SqliteStore({ path });
  assert.is(second.migration.applied, 0);
  assert.is((await second.audit.list()).length, 1);
  await second.close();
});

test('a database migrated by a newer appliance is refused, untouched', async () => {
  const path = join(tempDir(), 'mpegflow.db');
  const store = new SqliteStore({ path });
  await store.close();
  const db = new Database(path);
  db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 4102444800000);
  db.close();
  assert.is(
    codeOf(() => new SqliteStore({ path })),
    'STORE_NEWER_SCHEMA',
  );
  const after = new Database(path, { readonly: true });
  assert.is((after.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n, store.migration.schemaVersion + 1);
  after.close();
});

test('a file that is not a database is refused with STORE_CORRUPT and left as it was', () => {
  const path = join(tempDir(), 'mpegflow.db');
  const junk = Buffer.alloc(8192, 0x5a);
  writeFileSync(path, junk);
  assert.is(
    codeOf(() => new SqliteStore({ path })),
    'STORE_CORRUPT',
  );
});

test.run();

// What only the PostgreSQL store has: its migrations and refusals, the audit tables' guard and
// privileges, one chain from several processes at once, the startup errors, an outage survived.
import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import * as postgresSchema from '../../src/store/postgres/schema.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import * as sqliteSchema from '../../src/store/sqlite/schema.js';
import { freshBackend } from '../helpers/store-backends.js';
import { startDedicatedPostgres, testDatabaseAdminUrl, testDatabaseUrl } from '../helpers/postgres.js';
import { freePort } from '../storage/s3-fixture.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof ApplianceError ? `${err.code}: ${err.message}` : `not an ApplianceError: ${String(err)}`;
  }
  return 'no error';
}

test('both schemas have the same tables and SQL column names', () => {
  for (const key of Object.keys(sqliteSchema) as (keyof typeof sqliteSchema)[]) {
    const lite = sqliteTableConfig(sqliteSchema[key]);
    const pg = pgTableConfig(postgresSchema[key]);
    assert.is(pg.name, lite.name);
    assert.equal(pg.columns.map((c) => c.name).sort(), lite.columns.map((c) => c.name).sort(), `${lite.name} columns`);
    assert.equal(pg.indexes.map((i) => i.config.name).sort(), lite.indexes.map((i) => i.config.name).sort(), `${lite.name} indexes`);
  }
});

test('an empty database gets every table and the append-only triggers; reopening applies nothing', async () => {
  const backend = await freshBackend('postgres');
  const store = await backend.open();
  assert.is(store.migration.applied, store.migration.schemaVersion);
  const tables = await backend.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  for (const t of ['jobs', 'tasks', 'audit_events', 'audit_exports', 'data_keys', 'sessions', 'ingests']) {
    assert.ok(
      tables.some((r) => r.tablename === t),
      `missing ${t}`,
    );
  }
  const triggers = (await backend.query<{ tgname: string }>('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname')).map((r) => r.tgname);
  assert.equal(triggers, [
    'audit_events_append_only',
    'audit_events_no_truncate',
    'audit_exports_append_only',
    'audit_exports_no_truncate',
    'ladder_templates_append_only',
  ]);
  await store.change(async (tx) => void (await tx.audit({ type: 'test.kept', actor: 'test' })));
  await store.close();
  const again = await backend.open();
  assert.is(again.migration.applied, 0);
  assert.is((await again.audit.list()).length, 1);
  await again.close();
});

test('TRUNCATE of the audit trail is refused by the database', async () => {
  const backend = await freshBackend('postgres');
  const store = await backend.open();
  await store.change(async (tx) => void (await tx.audit({ type: 'test.kept', actor: 'test' })));
  assert.match(await codeOf(backend.query('TRUNCATE audit_events')), /audit_events is append-only: TRUNCATE refused/);
  assert.match(await codeOf(backend.query('TRUNCATE audit_exports')), /audit_exports is append-only: TRUNCATE refused/);
  assert.ok((await store.audit.verify()).ok);
  await store.close();
});

test('a database migrated by a newer appliance is refused, untouched', async () => {
  const backend = await freshBackend('postgres');
  const store = await backend.open();
  await store.close();
  await backend.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', ['f'.repeat(64), 4102444800000]);
  assert.match(
    await codeOf(backend.open()),
    /^STORE_NEWER_SCHEMA: PostgreSQL database 127\.0\.0\.1:\d+\/mpegflow_t_[0-9a-f]+ was migrated by a newer appliance/,
  );
  const rows = await backend.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  assert.is(Number(rows[0]!.n), store.migration.schemaVersion + 1);
});

test('several processes appending at once make one unbroken chain', async () => {
  const backend = await freshBackend('postgres');
  // Three stores with pools of their own: three processes as far as the server can tell.
  const stores = await Promise.all([backend.open(), backend.open(), backend.open()]);
  await Promise.all(
    stores.flatMap((store, s) =>
      Array.from({ length: 30 }, (_, i) =>
        store.change(async (tx) => {
          await tx.jobs.get('none');
          await tx.audit({ type: 'test.concurrent', actor: `node-${s}`, payload: { i } });
        }),
      ),
    ),
  );
  const verdict = await stores[0]!.audit.verify();
  assert.equal(verdict.ok && verdict.events, 90);
  await Promise.all(stores.map((s) => s.close()));
});

test('a refused password, an unreachable server and a missing database stop with one line and a stable code', async () => {
  const good = new URL(await testDatabaseUrl());
  const wrong = new URL(good);
  wrong.password = 'not-the-password';
  const auth = await codeOf(PostgresStore.open({ url: wrong.toString() }));
  assert.match(auth, /^STORE_AUTH: PostgreSQL at 127\.0\.0\.1:\d+\/mpegflow_t_\w+ refused the role or its password/);
  assert.not.match(auth, /not-the-password/);
  const closed = new URL(good);
  closed.port = String(await freePort());
  assert.match(await codeOf(PostgresStore.open({ url: closed.toString() })), /^STORE_UNREACHABLE: PostgreSQL at 127\.0\.0\.1:\d+\/\w+ cannot be reached/);
  const missing = new URL(good);
  missing.pathname = '/no_such_database';
  assert.match(await codeOf(PostgresStore.open({ url: missing.toString() })), /^STORE_UNAVAILABLE: .*the database does not exist/);
});

test('the role is reported when it could change audit rows; an append-only role is not', async () => {
  const admin = await freshBackend('postgres');
  const owner = await admin.open();
  assert.is(owner.dialect, 'postgres');
  assert.equal((owner as PostgresStore).auditPrivileges, { appendOnly: false, held: ['superuser', 'owner of audit_events', 'owner of audit_exports'] });
  await owner.close();
  const role = `mpegflow_app_${Date.now().toString(36)}`;
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app-password'`);
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  await admin.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_exports FROM ${role}`);
  await admin.query(`GRANT USAGE ON SCHEMA drizzle TO ${role}`);
  await admin.query(`GRANT SELECT ON drizzle.__drizzle_migrations TO ${role}`);
  const url = new URL(await testDatabaseAdminUrl());
  const dbName = (await admin.query<{ d: string }>('SELECT current_database() AS d'))[0]!.d;
  url.username = role;
  url.password = 'app-password';
  url.pathname = `/${dbName}`;
  const app = await PostgresStore.open({ url: url.toString() });
  assert.equal(app.auditPrivileges, { appendOnly: true, held: [] });
  await app.change(async (tx) => void (await tx.audit({ type: 'test.by_app_role', actor: 'test' })));
  await app.close();
  await admin.query(`GRANT UPDATE ON audit_events TO ${role}`);
  const wider = await PostgresStore.open({ url: url.toString() });
  assert.equal(wider.auditPrivileges, { appendOnly: false, held: ['UPDATE on audit_events'] });
  await wider.close();
});

test('an outage fails writes with STORE_UNREACHABLE, and the same store resumes when the server is back', async () => {
  const server = await startDedicatedPostgres();
  const store = await PostgresStore.open({ url: server.url, connectTimeoutMs: 2000 });
  await store.change(async (tx) => void (await tx.audit({ type: 'test.before', actor: 'test' })));
  await server.stop();
  const during = await codeOf(store.change(async (tx) => void (await tx.audit({ type: 'test.during', actor: 'test' }))));
  assert.match(during, /^STORE_UNREACHABLE: /, during);
  assert.match(await codeOf(store.jobs.get('x')), /^STORE_UNREACHABLE: /);
  await server.start();
  await store.change(async (tx) => void (await tx.audit({ type: 'test.after', actor: 'test' })));
  const events = await store.audit.list();
  assert.equal(
    events.map((e) => e.type),
    ['test.before', 'test.after'],
  );
  assert.ok((await store.audit.verify()).ok);
  await store.close();
});

test.run();

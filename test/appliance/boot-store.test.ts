// The store's checks at start and while running (appliance/boot-store.ts) on a real PostgreSQL
// server: a role that could change the audit trail is warned about (refused with
// database.requireAppendOnlyRole: STORE_PRIVILEGES), an append-only role is neither; /healthz's
// `store` check fails during an outage of the server and clears when it is back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkStoreAtStart, monitorStore } from '../../appliance/boot-store.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { Health } from '../../src/http/health.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { startDedicatedPostgres, testDatabaseUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 8 * 2 ** 30 };

/** The appliance's config on PostgreSQL at `url`, with `file` as its config file. */
function configFor(url: string, file: Record<string, unknown> = {}): Config {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'config.json'), JSON.stringify(file));
  const config = loadConfig({ env: { MPEGFLOW_DATABASE_URL: url, MPEGFLOW_CONFIG: join(cwd, 'config.json') }, host, cwd });
  assert.is(config.database.kind, 'postgres');
  return config;
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A role that may append to the audit tables and nothing more (as docs/cluster.md grants it), on the migrated database at `adminUrl`. */
async function appendOnlyRoleUrl(adminUrl: string): Promise<string> {
  const role = `mpegflow_app_${Date.now().toString(36)}`;
  await sql(adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD 'app-password'`);
  await sql(adminUrl, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  await sql(adminUrl, `REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_exports FROM ${role}`);
  await sql(adminUrl, `GRANT USAGE ON SCHEMA drizzle TO ${role}`);
  await sql(adminUrl, `GRANT SELECT ON drizzle.__drizzle_migrations TO ${role}`);
  const url = new URL(adminUrl);
  url.username = role;
  url.password = 'app-password';
  return url.toString();
}

test('as the superuser: a loud warning (one line) naming what the role could do, and the facts returned', async () => {
  const url = await testDatabaseUrl();
  const store = await PostgresStore.open({ url });
  try {
    const out: string[] = [];
    const { logger, logLines } = memoryLogger();
    const facts = checkStoreAtStart(configFor(url), store, logger, (line) => out.push(line));
    assert.equal(facts, { dialect: 'postgres', appendOnlyRole: false, auditPrivileges: ['superuser', 'owner of audit_events', 'owner of audit_exports'] });
    assert.is(out.length, 1, out.join('\n'));
    assert.ok(out[0]!.startsWith('WARNING: the PostgreSQL role could change the audit trail'), out[0]);
    assert.ok(out[0]!.includes('(superuser, owner of audit_events, owner of audit_exports)'), out[0]);
    assert.match(out[0]!, /append-only role \(docs\/cluster\.md\)\.$/);
    assert.not.match(out[0]!, /\n|postgres-test-password|mpegflow-test-password/);
    const warned = logLines.map((l) => JSON.parse(l) as { level: number; msg: string; auditPrivileges?: string[] });
    assert.equal(
      warned.map((l) => [l.level, l.msg, l.auditPrivileges]),
      [[40, 'store role is not append-only on the audit tables', ['superuser', 'owner of audit_events', 'owner of audit_exports']]],
    );
  } finally {
    await store.close();
  }
});

test('as the superuser with database.requireAppendOnlyRole: refused with STORE_PRIVILEGES, nothing printed', async () => {
  const url = await testDatabaseUrl();
  const store = await PostgresStore.open({ url });
  try {
    const out: string[] = [];
    const config = configFor(url, { database: { requireAppendOnlyRole: true } });
    let thrown: unknown;
    try {
      checkStoreAtStart(config, store, memoryLogger().logger, (line) => out.push(line));
    } catch (err) {
      thrown = err;
    }
    assert.instance(thrown, ApplianceError);
    const err = thrown as ApplianceError;
    assert.is(err.code, 'STORE_PRIVILEGES');
    assert.match(err.message, /^the PostgreSQL role could change the audit trail \(superuser, owner of audit_events, owner of audit_exports\)/);
    assert.not.match(err.message, /\n/);
    assert.equal(out, []);
  } finally {
    await store.close();
  }
});

test('as an append-only role: no warning and no refusal, even with database.requireAppendOnlyRole', async () => {
  const adminUrl = await testDatabaseUrl();
  const owner = await PostgresStore.open({ url: adminUrl }); // migrates, as the facility's owner role would
  await owner.close();
  const url = await appendOnlyRoleUrl(adminUrl);
  const store = await PostgresStore.open({ url });
  try {
    for (const file of [{}, { database: { requireAppendOnlyRole: true } }]) {
      const out: string[] = [];
      const { logger, logLines } = memoryLogger();
      const facts = checkStoreAtStart(configFor(url, file), store, logger, (line) => out.push(line));
      assert.equal(facts, { dialect: 'postgres', appendOnlyRole: true, auditPrivileges: [] });
      assert.equal(out, []);
      assert.equal(logLines, []);
    }
  } finally {
    await store.close();
  }
});

test('on SQLite: nothing to check, the dialect reported', () => {
  const cwd = tempDir();
  const config = loadConfig({ env: {}, host, cwd });
  const store = new SqliteStore({ path: join(cwd, 'mpegflow.db') });
  const out: string[] = [];
  assert.equal(
    checkStoreAtStart(config, store, memoryLogger().logger, (line) => out.push(line)),
    { dialect: 'sqlite' },
  );
  assert.equal(out, []);
  void store.close();
});

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('monitorStore: the store check turns ok:false during an outage of the server, ok again after; logged once each way', async () => {
  const server = await startDedicatedPostgres();
  const store = await PostgresStore.open({ url: server.url, connectTimeoutMs: 1000 });
  const health = new Health();
  const { logger, logLines } = memoryLogger();
  const monitor = monitorStore(store, health, logger, 100);
  const check = () => health.report().checks.store;
  try {
    await until('the first probe', () => check()?.ok === true, 5000);
    assert.equal(check(), { ok: true, detail: 'postgres' });
    assert.is(health.report().status, 'ok');
    await server.stop();
    await until('the store check to fail', () => check()?.ok === false, 5000);
    assert.is(health.report().status, 'degraded');
    assert.match(check()!.detail ?? '', /^PostgreSQL at 127\.0\.0\.1:\d+\/mpegflow_t_[0-9a-f]+ cannot be reached/);
    assert.not.match(check()!.detail ?? '', /mpegflow-test-password/);
    // Several probes fail during the outage; the log says so once.
    await new Promise((r) => setTimeout(r, 1000));
    assert.is(check()?.ok, false);
    await server.start();
    await until('the store check to pass again', () => check()?.ok === true, 10_000);
    assert.equal(check(), { ok: true, detail: 'postgres' });
    assert.is(health.report().status, 'ok');
    const messages = logLines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.equal(messages, ['store unreachable; work is retried until it is back', 'store reachable again']);
  } finally {
    monitor.stop();
    await store.close();
  }
});

test.run();

// The PostgreSQL fixture itself (helpers/postgres.ts): fresh databases, real password auth, and
// a dedicated server that survives a stop and start with its data.
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanEnv } from '../helpers/cli.js';
import { startDedicatedPostgres, testDatabaseAdminUrl, testDatabaseUrl } from '../helpers/postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const fails = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => false,
    () => true,
  );

test('each testDatabaseUrl() is a new, empty database, reachable with pg', async () => {
  const started = Date.now();
  const [a, b] = [await testDatabaseUrl(), await testDatabaseUrl()];
  console.log(`two databases in ${Date.now() - started} ms (server start included when this process started it)`);
  assert.is.not(new URL(a).pathname, new URL(b).pathname);
  assert.match(new URL(a).pathname, /^\/mpegflow_t_[0-9a-f]+$/);
  for (const url of [a, b]) {
    assert.equal(await query(url, 'SELECT 1 AS one'), [{ one: 1 }]);
    assert.equal(await query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"), []);
    const [row] = await query<{ server_version: string }>(url, 'SHOW server_version');
    assert.match(row?.server_version ?? '', /^15\./);
  }
  await query(a, 'CREATE TABLE only_in_a (x int)');
  assert.equal(await query(b, "SELECT to_regclass('only_in_a') AS t"), [{ t: null }]);
});

test('a wrong password is refused: SQLSTATE 28P01', async () => {
  const url = new URL(await testDatabaseAdminUrl());
  url.password = 'not-the-password';
  try {
    await query(url.toString(), 'SELECT 1');
    assert.unreachable('connected with a wrong password');
  } catch (err) {
    assert.is((err as { code?: string }).code, '28P01', String(err));
  }
});

test('MPEGFLOW_TEST_DATABASE_URL never reaches the appliance processes tests start', () => {
  const before = process.env.MPEGFLOW_TEST_DATABASE_URL;
  process.env.MPEGFLOW_TEST_DATABASE_URL ??= 'postgres://x@127.0.0.1:1/postgres';
  try {
    assert.not.ok('MPEGFLOW_TEST_DATABASE_URL' in cleanEnv());
  } finally {
    if (before === undefined) delete process.env.MPEGFLOW_TEST_DATABASE_URL;
  }
});

test('a dedicated server stopped and started again keeps its rows (same port, same data)', async () => {
  let t = Date.now();
  const db = await startDedicatedPostgres();
  console.log(`dedicated server and database ready in ${Date.now() - t} ms`);
  await query(db.url, "CREATE TABLE kept (id int PRIMARY KEY, note text); INSERT INTO kept VALUES (1, 'one'), (2, 'two')");
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => {}); // the outage below ends this connection
  await client.connect();
  t = Date.now();
  await db.stop();
  console.log(`stopped in ${Date.now() - t} ms`);
  assert.ok(await fails(client.query('SELECT 1')), 'the open connection outlived the stop');
  assert.ok(await fails(query(db.url, 'SELECT 1')), 'a new connection succeeded while stopped');
  t = Date.now();
  await db.start();
  console.log(`started again in ${Date.now() - t} ms`);
  assert.is(new URL(db.url).port, String(db.port));
  assert.equal(await query(db.url, 'SELECT id, note FROM kept ORDER BY id'), [
    { id: 1, note: 'one' },
    { id: 2, note: 'two' },
  ]);
  await client.end().catch(() => {});
});

test.run();

// Real PostgreSQL 15 for tests. MPEGFLOW_TEST_DATABASE_URL (set by .ci/run) is the superuser URL
// of a running server; unset, this process starts its own (scripts/test-postgres.sh) on first
// use. cleanEnv() (helpers/cli.ts) drops every MPEGFLOW_ variable, so the appliance processes a
// test starts never see this one.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBin, startPostgresServer, type PostgresServer } from './postgres-server.js';

const URL_VARIABLE = 'MPEGFLOW_TEST_DATABASE_URL';

/**
 * Whether PostgreSQL can be used: MPEGFLOW_TEST_DATABASE_URL is set or Debian's PostgreSQL 15
 * is installed. With CI=true an unavailable PostgreSQL throws: a test needing it fails, not skips.
 */
export function postgresAvailable(): boolean {
  const available = Boolean(process.env[URL_VARIABLE]) || existsSync(join(postgresBin, 'initdb'));
  if (!available && process.env.CI === 'true') throw unavailable();
  return available;
}

function unavailable(what = `set ${URL_VARIABLE} to a superuser URL or apt-get install postgresql`): Error {
  const ci = process.env.CI === 'true' ? 'CI=true: ' : '';
  return new Error(`${ci}PostgreSQL 15 is required: ${what} (no ${postgresBin}/initdb)`);
}

let shared: Promise<string> | undefined;

/** The superuser URL of the server this process's tests share (for creating roles and the like). */
export function testDatabaseAdminUrl(): Promise<string> {
  shared ??= (async () => {
    if (!postgresAvailable()) throw unavailable();
    return process.env[URL_VARIABLE] || (await startPostgresServer()).adminUrl;
  })();
  return shared;
}

/** The superuser URL of a new, empty database (`mpegflow_t_<hex>`) on the shared server. */
export async function testDatabaseUrl(): Promise<string> {
  return createDatabase(await testDatabaseAdminUrl());
}

export interface DedicatedPostgres extends PostgresServer {
  /** A new, empty database on this server (superuser credentials). */
  url: string;
}

/**
 * A server of the test's own, which it may stop and start again (same port, same data) to
 * simulate a database outage. `url` is a new, empty database on it; `adminUrl` its superuser.
 */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  if (!existsSync(join(postgresBin, 'initdb'))) throw unavailable("a dedicated server needs Debian's PostgreSQL 15 here: apt-get install postgresql");
  const server = await startPostgresServer();
  return { ...server, url: await createDatabase(server.adminUrl) };
}

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `mpegflow_t_${randomBytes(8).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

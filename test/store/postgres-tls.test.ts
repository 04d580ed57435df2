// The PostgreSQL store over TLS (MPEGFLOW_DATABASE_URL with sslmode=verify-full): a dedicated
// server with a certificate of a test CA (for the name `localhost` only) that takes TCP clients
// over TLS only. The store's connections are TLS; the wrong CA, a name the certificate does not
// carry, and a missing CA file each stop with one line and STORE_TLS. And what sslmode means to
// the installed node-postgres (pg-connection-string 2.x), which is not what it means to libpq:
// `require` and `verify-ca` verify as much as `verify-full`, unless `uselibpqcompat=true`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { generateApplianceCa, issueServerCertificate } from '../../src/tls/appliance-ca.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { socketUrl, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'mpegflow-test-password';

interface Setup {
  server: PostgresServer;
  /** The test CA (it signed the server's certificate, for `localhost`), and another one. */
  caFile: string;
  otherCaFile: string;
  /** The superuser over TCP to `host`, with `query` appended. */
  url(host: string, query: string): string;
}

let setup: Promise<Setup> | undefined;
function tlsServer(): Promise<Setup> {
  setup ??= (async () => {
    if (!postgresAvailable()) throw new Error('PostgreSQL 15 is required: apt-get install postgresql');
    const dir = tempDir('mpegflow-pg-tls-test-');
    const ca = await generateApplianceCa({ commonName: 'MpegFlow test PostgreSQL CA' });
    const other = await generateApplianceCa({ commonName: 'Some other CA' });
    const caFile = join(dir, 'ca.pem');
    const otherCaFile = join(dir, 'other-ca.pem');
    writeFileSync(caFile, ca.cert);
    writeFileSync(otherCaFile, other.cert);
    const server = await startPostgresServer({ tls: await issueServerCertificate(ca, ['localhost']) });
    return { server, caFile, otherCaFile, url: (host, query) => `postgres://postgres:${PASSWORD}@${host}:${server.port}/postgres?${query}` };
  })();
  return setup;
}

async function refusal(p: Promise<unknown>): Promise<ApplianceError> {
  try {
    const store = await p;
    if (store instanceof PostgresStore) await store.close();
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw new Error(`not an ApplianceError: ${String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal, the store opened');
}

/** TLS facts of every connection of `application` (read as the superuser over the unix socket). */
async function tlsOfConnections(server: PostgresServer, application: string): Promise<Array<{ ssl: boolean; version: string | null }>> {
  const admin = new pg.Client({ connectionString: socketUrl(server) });
  await admin.connect();
  try {
    const r = await admin.query<{ ssl: boolean; version: string | null }>(
      'SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid WHERE a.application_name = $1',
      [application],
    );
    return r.rows;
  } finally {
    await admin.end();
  }
}

test('the server takes TCP clients over TLS only: without sslmode the connection is refused', async () => {
  const { url } = await tlsServer();
  const err = await refusal(PostgresStore.open({ url: url('localhost', 'application_name=x') }));
  // The server's reason, whatever code the store gives it (today STORE_AUTH, 28000).
  assert.match(err.message, /no pg_hba\.conf entry for host "127\.0\.0\.1", user "postgres", database "postgres", no encryption/);
  assert.not.match(err.message, /\n/);
});

test('sslmode=verify-full with sslrootcert = the CA: the store opens, and its connections are TLS', async () => {
  const { server, caFile, url } = await tlsServer();
  const verified = url('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`);
  const store = await PostgresStore.open({ url: verified });
  try {
    await store.change(async (tx) => void (await tx.audit({ type: 'test.over_tls', actor: 'test' })));
    assert.is((await store.audit.list({ type: 'test.over_tls' })).length, 1);
    // The store's own pool (application_name mpegflow): every connection it holds is TLS.
    const pool = await tlsOfConnections(server, 'mpegflow');
    assert.ok(pool.length >= 1, 'the store holds a connection');
    assert.ok(
      pool.every((c) => c.ssl && /^TLSv1\.[23]$/.test(c.version ?? '')),
      JSON.stringify(pool),
    );
  } finally {
    await store.close();
  }
  // The same URL in a client of its own: this very backend sees TLS.
  const client = new pg.Client({ connectionString: verified });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.equal(rows, [{ ssl: true }]);
  } finally {
    await client.end();
  }
});

test('a CA that did not sign the server certificate: STORE_TLS, one line, no password', async () => {
  const { otherCaFile, url } = await tlsServer();
  const err = await refusal(PostgresStore.open({ url: url('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(otherCaFile)}`) }));
  assert.is(err.code, 'STORE_TLS', err.message);
  assert.match(err.message, /^TLS to PostgreSQL at localhost:\d+\/postgres failed \(.+\); check sslmode and sslrootcert in MPEGFLOW_DATABASE_URL$/);
  assert.not.match(err.message, /\n/);
  assert.not.match(err.message, new RegExp(PASSWORD));
});

test('no sslrootcert: the system CAs do not know the test CA: STORE_TLS', async () => {
  const { url } = await tlsServer();
  const err = await refusal(PostgresStore.open({ url: url('localhost', 'sslmode=verify-full') }));
  assert.is(err.code, 'STORE_TLS', err.message);
});

test('a host name the certificate does not carry (127.0.0.1 for a certificate of localhost): STORE_TLS', async () => {
  const { caFile, url } = await tlsServer();
  const err = await refusal(PostgresStore.open({ url: url('127.0.0.1', `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`) }));
  assert.is(err.code, 'STORE_TLS', err.message);
  assert.match(err.message, /^TLS to PostgreSQL at 127\.0\.0\.1:\d+\/postgres failed \(.*(IP: 127\.0\.0\.1 is not in the cert's list|does not match).*\)/);
  assert.not.match(err.message, /\n/);
});

test('a sslrootcert file that does not exist: refused with one line naming the file', async () => {
  const { url } = await tlsServer();
  const err = await refusal(PostgresStore.open({ url: url('localhost', 'sslmode=verify-full&sslrootcert=/nonexistent/ca.pem') }));
  assert.not.match(err.message, /\n/);
  assert.match(err.message, /\/nonexistent\/ca\.pem/);
  assert.not.match(err.message, new RegExp(PASSWORD));
});

test('sslmode as the installed node-postgres reads it: require and verify-ca verify like verify-full; libpq semantics only with uselibpqcompat=true', async () => {
  const { caFile, otherCaFile, url } = await tlsServer();
  const ca = encodeURIComponent(caFile);
  const opens = async (u: string): Promise<string> => {
    try {
      const store = await PostgresStore.open({ url: u });
      await store.close();
      return 'opens';
    } catch (err) {
      return err instanceof ApplianceError ? err.code : String(err);
    }
  };
  // pg-connection-string 2.x (pg 8): prefer, require and verify-ca are aliases of verify-full (CA and host name checked).
  assert.is(await opens(url('localhost', `sslmode=require&sslrootcert=${ca}`)), 'opens');
  assert.is(await opens(url('127.0.0.1', `sslmode=require&sslrootcert=${ca}`)), 'STORE_TLS');
  assert.is(await opens(url('127.0.0.1', `sslmode=verify-ca&sslrootcert=${ca}`)), 'STORE_TLS');
  assert.is(await opens(url('localhost', 'sslmode=require')), 'STORE_TLS');
  // With uselibpqcompat=true: libpq's meanings (verify-ca checks the CA, not the name; require without a CA checks nothing).
  assert.is(await opens(url('127.0.0.1', `uselibpqcompat=true&sslmode=verify-ca&sslrootcert=${ca}`)), 'opens');
  assert.is(await opens(url('127.0.0.1', `uselibpqcompat=true&sslmode=verify-ca&sslrootcert=${encodeURIComponent(otherCaFile)}`)), 'STORE_TLS');
  assert.is(await opens(url('127.0.0.1', 'uselibpqcompat=true&sslmode=require')), 'opens');
  assert.is(await opens(url('127.0.0.1', `uselibpqcompat=true&sslmode=verify-full&sslrootcert=${ca}`)), 'STORE_TLS');
  // no-verify (node-postgres only): TLS with no check at all; disable: no TLS (refused by this server).
  assert.is(await opens(url('127.0.0.1', 'sslmode=no-verify')), 'opens');
  assert.is.not(await opens(url('localhost', `sslmode=disable&sslrootcert=${ca}`)), 'opens');
});

test('after a stop and start the server is still TLS-only, and the same store resumes over TLS', async () => {
  const { server, caFile, url } = await tlsServer();
  const store = await PostgresStore.open({ url: url('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`), connectTimeoutMs: 2000 });
  try {
    await server.stop();
    await server.start();
    await store.change(async (tx) => void (await tx.audit({ type: 'test.after_restart', actor: 'test' })));
    const pool = await tlsOfConnections(server, 'mpegflow');
    assert.ok(pool.length >= 1 && pool.every((c) => c.ssl), JSON.stringify(pool));
  } finally {
    await store.close();
  }
  assert.match((await refusal(PostgresStore.open({ url: url('localhost', 'sslmode=disable') }))).message, /no encryption/);
});

test.run();

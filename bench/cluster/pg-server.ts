// A PostgreSQL 15 server of the benchmark's own, configured as a deployment would be (fsync on,
// synchronous_commit on, full_page_writes on: the defaults) — unlike the test server
// (scripts/test-postgres.sh), which turns fsync off. pg_stat_statements is loaded so the
// benchmark can count the audit-chain lock's acquisitions and the time spent waiting on it.
// CLUSTER_BENCH_DATABASE_URL (a superuser URL of a running server) skips the start; its settings
// are then the server's own and the lock statistics are printed only if pg_stat_statements is loaded.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/storage/s3-fixture.js';

const BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'mpegflow-bench-password';

export interface BenchPostgres {
  adminUrl: string;
  /** What the server is (for the report). */
  describe: string;
  /** The postmaster's pid (a server started here). */
  pid?: number;
  /** Whether pg_stat_statements answers. */
  statements: boolean;
  /** A new, empty database: its superuser URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): void;
}

function asPostgres(argv: string[], opts: { cwd?: string } = {}): string {
  const root = process.getuid?.() === 0;
  const [file, ...args] = root ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return execFileSync(file!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<Row>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  let adminUrl = process.env.CLUSTER_BENCH_DATABASE_URL;
  let stop = () => undefined as void;
  let pid: number | undefined;
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'mpegflow-bench-pg-'));
    const data = join(dir, 'data');
    if (process.getuid?.() === 0) chownSync(dir, Number(asPostgres(['id', '-u']).trim()), Number(asPostgres(['id', '-g']).trim()));
    writeFileSync(join(dir, 'pwfile'), `${PASSWORD}\n`, { mode: 0o600 });
    if (process.getuid?.() === 0) chownSync(join(dir, 'pwfile'), Number(asPostgres(['id', '-u']).trim()), Number(asPostgres(['id', '-g']).trim()));
    asPostgres(
      [
        `${BIN}/initdb`,
        '-D',
        data,
        '-U',
        'postgres',
        `--pwfile=${join(dir, 'pwfile')}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '--no-locale',
        '-E',
        'UTF8',
      ],
      { cwd: dir },
    );
    rmSync(join(dir, 'pwfile'));
    const port = await freePort();
    const opts = [
      '-c listen_addresses=127.0.0.1',
      `-p ${port}`,
      `-k '${dir}'`,
      '-c max_connections=200',
      '-c shared_preload_libraries=pg_stat_statements',
      '-c pg_stat_statements.track=top',
    ].join(' ');
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start'], { cwd: dir });
    adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
    pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    stop = () => {
      spawnSync(
        process.getuid?.() === 0 ? 'runuser' : `${BIN}/pg_ctl`,
        process.getuid?.() === 0 ? ['-u', 'postgres', '--', `${BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop'] : ['-D', data, '-m', 'fast', '-w', 'stop'],
        {
          cwd: dir,
          stdio: 'ignore',
          timeout: 60_000,
        },
      );
      rmSync(dir, { recursive: true, force: true });
    };
    process.on('exit', stop);
  }
  let statements = false;
  try {
    await query(adminUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await query(adminUrl, 'SELECT count(*) FROM pg_stat_statements');
    statements = true;
  } catch {
    // not loaded on this server: the lock statistics are left out
  }
  const settings = await query<{ name: string; setting: string }>(
    adminUrl,
    "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_sync_method') ORDER BY name",
  );
  const s = Object.fromEntries(settings.map((r) => [r.name, r.setting]));
  return {
    adminUrl,
    ...(pid !== undefined ? { pid } : {}),
    describe: `PostgreSQL ${s.server_version} (${process.env.CLUSTER_BENCH_DATABASE_URL ? 'CLUSTER_BENCH_DATABASE_URL' : 'started here'}; fsync=${s.fsync}, synchronous_commit=${s.synchronous_commit}, full_page_writes=${s.full_page_writes}, wal_sync_method=${s.wal_sync_method}, shared_buffers=${(Number(s.shared_buffers) * 8) / 1024} MiB)`,
    statements,
    createDatabase: async (prefix = 'mpegflow_bench') => {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      await query(adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl!);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop: () => {
      process.off('exit', stop);
      stop();
    },
  };
}

/** pg_stat_statements figures of one database, to diff before/after a phase. */
export interface StatementSnapshot {
  at: number;
  lockCalls: number;
  lockMs: number;
  beginCalls: number;
  commits: number;
  allCalls: number;
}

/** The audit-chain lock statement's calls and total time (its waits), and the database's committed transactions. */
export async function statementSnapshot(adminUrl: string, databaseUrl: string): Promise<StatementSnapshot> {
  const db = new URL(databaseUrl).pathname.slice(1);
  const rows = await query<{ lock_calls: string; lock_ms: number; begin_calls: string; all_calls: string; commits: string }>(
    adminUrl,
    `SELECT
       coalesce(sum(s.calls) FILTER (WHERE s.query LIKE '%pg_advisory_xact_lock%'), 0) AS lock_calls,
       coalesce(sum(s.total_exec_time) FILTER (WHERE s.query LIKE '%pg_advisory_xact_lock%'), 0) AS lock_ms,
       coalesce(sum(s.calls) FILTER (WHERE s.query = 'BEGIN'), 0) AS begin_calls,
       coalesce(sum(s.calls), 0) AS all_calls,
       (SELECT xact_commit FROM pg_stat_database WHERE datname = $1) AS commits
     FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
    [db],
  );
  const r = rows[0]!;
  return {
    at: performance.now(),
    lockCalls: Number(r.lock_calls),
    lockMs: Number(r.lock_ms),
    beginCalls: Number(r.begin_calls),
    allCalls: Number(r.all_calls),
    commits: Number(r.commits),
  };
}

export function diffSnapshots(a: StatementSnapshot, b: StatementSnapshot) {
  const s = (b.at - a.at) / 1000;
  return {
    seconds: s,
    lockCalls: b.lockCalls - a.lockCalls,
    lockMs: b.lockMs - a.lockMs,
    beginCalls: b.beginCalls - a.beginCalls,
    commits: b.commits - a.commits,
    statements: b.allCalls - a.allCalls,
  };
}

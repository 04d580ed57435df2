import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/config/package-root.js';
import { freePort } from '../storage/s3-fixture.js';

/** Debian's PostgreSQL 15 (`apt-get install postgresql`). */
export const postgresBin = '/usr/lib/postgresql/15/bin';
/** Starts and stops a server with all its state in one directory; .ci/run uses it too. */
const script = join(packageRoot, 'scripts', 'test-postgres.sh');

/** A PostgreSQL server this test process started: stopped and its directory removed at exit. */
export interface PostgresServer {
  port: number;
  /** The superuser's URL (password auth over loopback TCP). */
  adminUrl: string;
  /** Stops the server abruptly (`pg_ctl stop -m immediate`): clients see an outage; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
}

const started: string[] = [];

/** A new server in its own temp directory on a free loopback port (~1 s: initdb + start). */
export async function startPostgresServer(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-pg-'));
  started.push(dir);
  const port = await freePort();
  const start = async (): Promise<string> => {
    const { stdout } = await promisify(execFile)('bash', [script, 'start', dir, String(port)], { encoding: 'utf8', timeout: 120_000 });
    const url = /^MPEGFLOW_TEST_DATABASE_URL=(.+)$/m.exec(stdout)?.[1];
    if (!url) throw new Error(`${script} start printed no URL: ${stdout}`);
    return url;
  };
  const adminUrl = await start();
  return {
    port,
    adminUrl,
    stop: async () => void (await promisify(execFile)('bash', [script, 'stop', dir], { timeout: 60_000 })),
    start: async () => void (await start()),
  };
}

process.on('exit', () => {
  for (const dir of started) {
    spawnSync('bash', [script, 'stop', dir], { stdio: 'ignore', timeout: 30_000 });
    if (!process.env.MPEGFLOW_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
  }
});

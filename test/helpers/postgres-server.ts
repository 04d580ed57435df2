import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Its directory: the unix socket there trusts the superuser (`socketUrl`), TLS or not. */
  dir: string;
}

/** The superuser's URL over the server's unix socket (no password, no TLS): for set-up behind a TLS-only server's back. */
export function socketUrl(server: Pick<PostgresServer, 'dir' | 'port'>, database = 'postgres'): string {
  return `postgres://postgres@localhost/${database}?host=${encodeURIComponent(server.dir)}&port=${server.port}`;
}

const started: string[] = [];
/** Certificate and key files handed to the script (it copies them): removed at exit. */
const material: string[] = [];

/**
 * A new server in its own temp directory on a free loopback port (~1 s: initdb + start). With
 * `tls` (a PEM server certificate and key) it has ssl=on and takes TCP clients over TLS only
 * (`hostssl`): `adminUrl` then needs `sslmode` and `sslrootcert` added, or use `socketUrl`.
 */
export async function startPostgresServer(options: { tls?: { cert: string; key: string } } = {}): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-pg-'));
  started.push(dir);
  const port = await freePort();
  const tlsArgs: string[] = [];
  if (options.tls) {
    const files = mkdtempSync(join(tmpdir(), 'mpegflow-pg-tls-'));
    material.push(files);
    writeFileSync(join(files, 'server.crt'), options.tls.cert);
    writeFileSync(join(files, 'server.key'), options.tls.key, { mode: 0o600 });
    tlsArgs.push(join(files, 'server.crt'), join(files, 'server.key'));
  }
  let first = true;
  const start = async (): Promise<string> => {
    const args = [script, 'start', dir, String(port), ...(first ? tlsArgs : [])];
    first = false;
    const { stdout } = await promisify(execFile)('bash', args, { encoding: 'utf8', timeout: 120_000 });
    const url = /^MPEGFLOW_TEST_DATABASE_URL=(.+)$/m.exec(stdout)?.[1];
    if (!url) throw new Error(`${script} start printed no URL: ${stdout}`);
    return url;
  };
  const adminUrl = await start();
  return {
    port,
    dir,
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
  for (const dir of material) rmSync(dir, { recursive: true, force: true });
});

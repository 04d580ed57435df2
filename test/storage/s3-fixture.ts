import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/config/package-root.js';

export interface S3Env {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Stops the fixture if this process started it. */
  stop(): void;
}

export const fixtureDir = resolve(packageRoot, '..', 'shared', 'fixtures', 's3-swift');

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * The S3 server for tests: S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY from the environment, or the
 * s3-swift fixture started here (and stopped by `stop()`). Undefined if neither is possible — which
 * is a failure (thrown) when CI=true.
 */
export async function s3Env(): Promise<S3Env | undefined> {
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, CI } = process.env;
  if (S3_ENDPOINT && S3_ACCESS_KEY && S3_SECRET_KEY) return { endpoint: S3_ENDPOINT, accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY, stop() {} };
  const unavailable = (why: string): undefined => {
    if (CI === 'true') throw new Error(`S3 fixture unavailable and CI=true: ${why}`);
    console.warn(`\n!!! S3 tests SKIPPED: ${why} (set S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY or make ${fixtureDir} available)\n`);
    return undefined;
  };
  if (!existsSync(join(fixtureDir, 'start.sh'))) return unavailable(`no fixture at ${fixtureDir}`);
  const dir = mkdtempSync(join(tmpdir(), 's3-swift-storage-'));
  const port = await freePort();
  let out: string;
  try {
    out = execFileSync('bash', [join(fixtureDir, 'start.sh'), dir, String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 180_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(`start.sh failed: ${(err as Error).message}`);
  }
  const vars = new Map<string, string>();
  for (const line of out.trim().split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) vars.set(line.slice(0, i), line.slice(i + 1));
  }
  const stop = (): void => {
    try {
      execFileSync('bash', [join(fixtureDir, 'stop.sh'), dir], { stdio: 'inherit' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const endpoint = vars.get('S3_ENDPOINT');
  const accessKey = vars.get('S3_ACCESS_KEY');
  const secretKey = vars.get('S3_SECRET_KEY');
  if (!endpoint || !accessKey || !secretKey) {
    stop();
    return unavailable(`start.sh printed no credentials: ${out}`);
  }
  return { endpoint, accessKey, secretKey, stop };
}

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApplianceError, isApplianceError } from '../errors/appliance-error.js';
import { sha256File } from '../hashing/file-sha256.js';
import type { LockedPackage } from './lock.js';

export interface DebFetchOptions {
  /** Mirror root URL, e.g. the host's Debian mirror or a snapshot.debian.org archive URL. */
  mirror: string;
  cacheDir: string;
  signal?: AbortSignal;
  /** Attempts per file for network errors and 5xx answers (default 3). */
  attempts?: number;
}

export interface FetchedDeb {
  path: string;
  /** false when the verified cached copy was used. */
  downloaded: boolean;
}

/** Where a locked .deb lives in the cache (pool basenames are unique: name_version_arch.deb). */
export function cachedDebPath(cacheDir: string, pkg: LockedPackage): string {
  return join(cacheDir, basename(pkg.filename));
}

function mismatch(pkg: LockedPackage, got: { sha256: string; size: number }, where: string): ApplianceError {
  return new ApplianceError(
    'PACKAGE_HASH_MISMATCH',
    `${pkg.name} ${pkg.version} from ${where}: expected ${pkg.size} bytes sha256 ${pkg.sha256}, got ${got.size} bytes sha256 ${got.sha256}`,
    { details: { package: pkg.name, version: pkg.version, filename: pkg.filename, expected: pkg.sha256, actual: got.sha256 } },
  );
}

async function downloadOnce(pkg: LockedPackage, url: string, target: string, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (cause) {
    throw new ApplianceError(
      'DEBIAN_MIRROR_UNREACHABLE',
      `cannot fetch ${url}: ${(cause as Error).message}${(cause as Error).cause ? ` (${String((cause as Error).cause)})` : ''}`,
      {
        details: { url },
        cause,
      },
    );
  }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    throw new ApplianceError(
      'DEBIAN_PACKAGE_MISSING',
      `${url} is gone (HTTP ${response.status}): the mirror no longer carries ${pkg.name} ${pkg.version}. ` +
        "Regenerate the lock, or set MPEGFLOW_DEBIAN_MIRROR to the snapshot.debian.org archive of the lock's release date.",
      { details: { url, package: pkg.name, version: pkg.version } },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ApplianceError('DEBIAN_MIRROR_UNREACHABLE', `GET ${url}: HTTP ${response.status}`, {
      details: { url, httpStatus: response.status },
    });
  }
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > pkg.size) {
        callback(mismatch(pkg, { sha256: '(download longer than locked size)', size }, url));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), tap, createWriteStream(target, { flags: 'wx' }));
  } catch (cause) {
    if (isApplianceError(cause)) throw cause;
    throw new ApplianceError('DEBIAN_MIRROR_UNREACHABLE', `download of ${url} failed: ${(cause as Error).message}`, { details: { url }, cause });
  }
  const got = { sha256: hash.digest('hex'), size };
  if (got.size !== pkg.size || got.sha256 !== pkg.sha256) throw mismatch(pkg, got, url);
}

/**
 * The locked .deb as a verified file in the cache: a cached copy is re-hashed and
 * used if it matches the lock (deleted otherwise); a missing one is downloaded by its
 * pool path with a streaming sha256 and size check, then renamed into place.
 */
export async function fetchVerifiedDeb(pkg: LockedPackage, options: DebFetchOptions): Promise<FetchedDeb> {
  const path = cachedDebPath(options.cacheDir, pkg);
  const cached = await stat(path).catch(() => null);
  if (cached?.isFile()) {
    if (cached.size === pkg.size && (await sha256File(path)).sha256 === pkg.sha256) return { path, downloaded: false };
    await rm(path, { force: true });
  }
  await mkdir(options.cacheDir, { recursive: true });
  const url = new URL(pkg.filename, `${options.mirror.replace(/\/+$/, '')}/`).toString();
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt += 1) {
    const part = `${path}.part-${randomBytes(6).toString('hex')}`;
    const timeout = AbortSignal.timeout(300_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      await downloadOnce(pkg, url, part, signal);
      await rename(part, path);
      return { path, downloaded: true };
    } catch (err) {
      await rm(part, { force: true });
      const retryable = isApplianceError(err) && err.code === 'DEBIAN_MIRROR_UNREACHABLE' && !options.signal?.aborted;
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

import { readFile, rename, writeFile } from 'node:fs/promises';
import { ApplianceError } from '../errors/appliance-error.js';

/** One .deb pinned by the lock; fields come from the signed Packages index. */
export interface LockedPackage {
  name: string;
  version: string;
  /** Size of the .deb in bytes. */
  size: number;
  sha256: string;
  /** Path of the .deb below the mirror root, e.g. `pool/main/f/ffmpeg/ffmpeg_…_amd64.deb`. */
  filename: string;
}

/** images/recipes/debian-ffmpeg-7.1/lock.json */
export interface DebianLock {
  schema: 'mpegflow.debian-lock/1';
  suite: string;
  arch: string;
  /** Packages whose dependency closure this is. */
  roots: string[];
  /** From the verified InRelease: the point release and its date (to find it again on snapshot.debian.org). */
  release: { version: string; date: string };
  packages: LockedPackage[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const SAFE_POOL_PATH = /^pool\/[A-Za-z0-9+._~/-]+\.deb$/;

/** The lock in its committed form: fixed key order, packages sorted by name. */
export function formatLock(lock: DebianLock): string {
  const ordered: DebianLock = {
    schema: lock.schema,
    suite: lock.suite,
    arch: lock.arch,
    roots: [...lock.roots].sort(),
    release: { version: lock.release.version, date: lock.release.date },
    packages: [...lock.packages]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((p) => ({ name: p.name, version: p.version, size: p.size, sha256: p.sha256, filename: p.filename })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Checks the shape of a parsed lock, so nothing unexpected reaches a URL or a path. */
export function validateLock(value: unknown, source = 'lock'): DebianLock {
  const fail = (why: string): never => {
    throw new ApplianceError('IMAGE_LOCK_INVALID', `${source}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const lock = value as Partial<DebianLock>;
  if (lock.schema !== 'mpegflow.debian-lock/1') fail(`unknown schema ${JSON.stringify(lock.schema)}`);
  if (typeof lock.suite !== 'string' || !/^[a-z0-9-]+$/.test(lock.suite)) fail('bad suite');
  if (typeof lock.arch !== 'string' || !/^[a-z0-9]+$/.test(lock.arch)) fail('bad arch');
  if (!Array.isArray(lock.roots) || !lock.roots.every((r) => typeof r === 'string')) fail('bad roots');
  if (typeof lock.release !== 'object' || lock.release === null) fail('bad release');
  if (!Array.isArray(lock.packages) || lock.packages.length === 0) return fail('no packages');
  const names = new Set<string>();
  for (const p of lock.packages as unknown[]) {
    const pkg = p as Partial<LockedPackage>;
    const label = typeof pkg.name === 'string' ? pkg.name : JSON.stringify(p);
    if (typeof pkg.name !== 'string' || !/^[a-z0-9][a-z0-9+.-]*$/.test(pkg.name)) fail(`bad package name ${label}`);
    if (names.has(pkg.name as string)) fail(`package ${label} listed twice`);
    names.add(pkg.name as string);
    if (typeof pkg.version !== 'string' || pkg.version === '') fail(`${label}: bad version`);
    if (typeof pkg.size !== 'number' || !Number.isSafeInteger(pkg.size) || pkg.size <= 0) fail(`${label}: bad size`);
    if (typeof pkg.sha256 !== 'string' || !SHA256.test(pkg.sha256)) fail(`${label}: bad sha256`);
    if (typeof pkg.filename !== 'string' || !SAFE_POOL_PATH.test(pkg.filename) || pkg.filename.split('/').includes('..')) {
      fail(`${label}: bad pool filename`);
    }
  }
  return lock as DebianLock;
}

export async function readLock(path: string): Promise<DebianLock> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ApplianceError('IMAGE_LOCK_INVALID', `cannot read lock ${path}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ApplianceError('IMAGE_LOCK_INVALID', `${path} is not valid JSON`, { cause });
  }
  return validateLock(parsed, path);
}

/** Writes the lock atomically (temp file + rename). */
export async function writeLock(path: string, lock: DebianLock): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, formatLock(lock));
  await rename(tmp, path);
}

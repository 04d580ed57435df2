import type { Stats } from 'node:fs';
import { link, lstat, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, writeFileDurable } from './durable-fs.js';
import { embeddedFsError } from './embedded-errors.js';
import { newVersionId, type EmbeddedLayout, type Sidecar } from './embedded-layout.js';
import { hashFile } from './embedded-staging.js';
import type { StreamDigest } from './hashing-stream.js';
import type { Bucket } from './object-store.js';
import { notFound } from './storage-errors.js';

/** The current object of a key: its data file, stats, and sidecar when it matches the file. */
export interface Current {
  path: string;
  stats: Stats;
  sidecar: Sidecar | undefined;
}

/** Hard-links the current object into the versions area (with its sidecar) before it is replaced or deleted. */
export async function preserveVersion(layout: EmbeddedLayout, bucket: Bucket, key: string, current: Current): Promise<void> {
  const dir = layout.versionsDir(bucket, key);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const sidecar = current.sidecar ?? (await repairSidecar(layout, bucket, key, current));
  try {
    await link(current.path, join(dir, sidecar.versionId));
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  await writeFileDurable(join(dir, `${sidecar.versionId}.json`), JSON.stringify(sidecar), layout.newTmpPath('meta'));
}

/** The object under `key` now: its file, stats and sidecar (undefined when the sidecar does not describe this file). */
export async function currentObject(layout: EmbeddedLayout, bucket: Bucket, key: string): Promise<Current | undefined> {
  const path = layout.dataPath(bucket, key);
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw embeddedFsError(err, `reading ${bucket}/${key}`);
  }
  if (!stats.isFile()) return undefined;
  let sidecar: Sidecar | undefined;
  try {
    const parsed = JSON.parse(await readFile(layout.sidecarPath(bucket, key), 'utf8')) as Sidecar;
    if (parsed.ino === stats.ino && parsed.size === stats.size && parsed.key === key) sidecar = parsed;
  } catch {
    sidecar = undefined;
  }
  return { path, stats, sidecar };
}

/** A missing or stale sidecar (crash between the two renames, or a file placed by hand): rehash and rewrite it. */
export async function repairSidecar(layout: EmbeddedLayout, bucket: Bucket, key: string, current: Current): Promise<Sidecar> {
  const fh = await open(current.path, 'r');
  let digest: StreamDigest;
  try {
    digest = await hashFile(fh);
  } finally {
    await fh.close();
  }
  const sidecar: Sidecar = {
    v: 1,
    key,
    sha256: digest.sha256,
    size: digest.size,
    created: current.stats.mtime.toISOString(),
    versionId: newVersionId(current.stats.mtime),
    ino: current.stats.ino,
  };
  await writeFileDurable(layout.sidecarPath(bucket, key), JSON.stringify(sidecar), layout.newTmpPath('meta')).catch(() => undefined);
  return sidecar;
}

/** The file of one version of `key` (the current file when it is the current version). */
export async function versionPath(layout: EmbeddedLayout, bucket: Bucket, key: string, versionId: string): Promise<string> {
  if (!/^[0-9a-f]{13}-[0-9a-f]{12}$/.test(versionId)) throw notFound(bucket, `${key}?versionId=${versionId}`);
  const current = await currentObject(layout, bucket, key);
  if (current?.sidecar?.versionId === versionId) return current.path;
  return join(layout.versionsDir(bucket, key), versionId);
}

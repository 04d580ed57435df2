import { constants } from 'node:fs';
import { access, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { errnoCode, fsyncDir, writeFileDurable } from './durable-fs.js';
import { embeddedFsError } from './embedded-errors.js';
import { EmbeddedLayout, newVersionId, type Sidecar } from './embedded-layout.js';
import { walkObjects } from './embedded-listing.js';
import { currentObject, preserveVersion, repairSidecar, versionPath } from './embedded-versions.js';
import { hashFile, stageBody, type Staged } from './embedded-staging.js';
import { READ_CHUNK_BYTES, StreamDigest } from './hashing-stream.js';
import { KeyLock } from './key-lock.js';
import { checkRangeArgs } from './range.js';
import { assertBucket, assertKey, assertPrefix } from './keys.js';
import {
  BUCKETS,
  VERSIONED_BUCKETS,
  type AccessOptions,
  type Bucket,
  type CommitOptions,
  type DeleteOptions,
  type GetOptions,
  type ObjectInfo,
  type ObjectRef,
  type ObjectStore,
  type ObjectSummary,
  type ObjectVersion,
  type PutOptions,
  type PutResult,
  type StoreBody,
  type WorkerRead,
  type WorkerWrite,
} from './object-store.js';
import { conflict, hashMismatch, invalidKey, invalidRange, ioError, noBucket, notFound } from './storage-errors.js';

export interface EmbeddedStoreOptions {
  /** `<data>/objects`. */
  root: string;
  /** Staging files older than this are removed by open() (left by a crash). Default 24 h. */
  staleTmpMs?: number;
}

/**
 * Objects as files under `<root>/<bucket>/<key>`, written atomically (staging file on the same
 * filesystem, fsync, rename, fsync of the directory), hashed while written, versioned by hard links
 * for input and output. Workers on this host read objects in place.
 */
export class EmbeddedStore implements ObjectStore {
  readonly kind = 'embedded' as const;
  readonly layout: EmbeddedLayout;
  private readonly locks = new KeyLock();
  private readonly staleTmpMs: number;

  constructor(options: EmbeddedStoreOptions) {
    this.layout = new EmbeddedLayout(options.root);
    this.staleTmpMs = options.staleTmpMs ?? 24 * 3600 * 1000;
  }

  async open(): Promise<void> {
    try {
      for (const dir of [this.layout.root, this.layout.tmpDir, this.layout.versionsRoot, ...BUCKETS.map((b) => this.layout.bucketDir(b))]) {
        await mkdir(dir, { recursive: true, mode: 0o750 });
      }
      await this.removeStaleStaging();
    } catch (err) {
      throw embeddedFsError(err, `opening the object store at ${this.layout.root}`);
    }
    await this.check();
  }

  async check(): Promise<void> {
    try {
      await access(this.layout.root, constants.R_OK | constants.W_OK);
      await access(this.layout.tmpDir, constants.W_OK);
    } catch (err) {
      throw ioError(`object store root ${this.layout.root} is not usable: ${(err as Error).message}`, err);
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  async put(bucket: Bucket, key: string, body: StoreBody, options: PutOptions = {}): Promise<PutResult> {
    assertBucket(bucket);
    assertKey(key);
    await this.requireBucket(bucket);
    const staged = await stageBody(this.layout.newTmpPath('put'), body, { bucket, key });
    return this.commitStaged(bucket, key, staged, options.expectedSha256, options.contentType);
  }

  async get(bucket: Bucket, key: string, options: GetOptions = {}): Promise<Readable> {
    assertBucket(bucket);
    assertKey(key);
    const path = options.versionId === undefined ? this.layout.dataPath(bucket, key) : await versionPath(this.layout, bucket, key, options.versionId);
    const fh = await this.openForRead(bucket, key, path);
    return fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }

  async getRange(bucket: Bucket, key: string, offset: number, length?: number): Promise<Readable> {
    assertBucket(bucket);
    assertKey(key);
    checkRangeArgs(offset, length);
    const fh = await this.openForRead(bucket, key, this.layout.dataPath(bucket, key));
    const { size } = await fh.stat();
    if (offset >= size) {
      await fh.close();
      throw invalidRange(`range starts at ${offset}, object ${bucket}/${key} has ${size} bytes`, { offset, size });
    }
    const end = Math.min(size, length === undefined ? size : offset + length) - 1;
    return fh.createReadStream({ start: offset, end, highWaterMark: Math.min(READ_CHUNK_BYTES, Math.max(end - offset + 1, 1)) });
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo> {
    assertBucket(bucket);
    assertKey(key);
    const current = await currentObject(this.layout, bucket, key);
    if (current === undefined) throw await this.missing(bucket, key);
    let sidecar = current.sidecar;
    if (sidecar === undefined) sidecar = await repairSidecar(this.layout, bucket, key, current);
    return {
      bucket,
      key,
      size: current.stats.size,
      sha256: sidecar.sha256,
      ...(sidecar.contentType !== undefined ? { contentType: sidecar.contentType } : {}),
      lastModified: current.stats.mtime,
      versionId: sidecar.versionId,
    };
  }

  async *list(bucket: Bucket, prefix = ''): AsyncIterable<ObjectSummary> {
    assertBucket(bucket);
    assertPrefix(prefix);
    await this.requireBucket(bucket);
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const startDir = join(this.layout.bucketDir(bucket), ...dirKey.split('/').filter((s) => s !== ''));
    yield* walkObjects(bucket, startDir, dirKey, prefix);
  }

  async listVersions(bucket: Bucket, key: string): Promise<ObjectVersion[]> {
    assertBucket(bucket);
    assertKey(key);
    await this.requireBucket(bucket);
    const versions: ObjectVersion[] = [];
    const current = await currentObject(this.layout, bucket, key);
    if (current !== undefined) {
      const sidecar = current.sidecar ?? (await repairSidecar(this.layout, bucket, key, current));
      versions.push({ bucket, key, versionId: sidecar.versionId, size: current.stats.size, lastModified: current.stats.mtime, isLatest: true });
    }
    const dir = this.layout.versionsDir(bucket, key);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw embeddedFsError(err, 'listing versions');
    }
    const old: ObjectVersion[] = [];
    for (const name of names) {
      if (name.endsWith('.json') || name.endsWith('.part')) continue;
      try {
        const st = await lstat(join(dir, name));
        old.push({ bucket, key, versionId: name, size: st.size, lastModified: st.mtime, isLatest: false });
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw embeddedFsError(err, 'listing versions');
      }
    }
    old.sort((a, b) => (a.versionId < b.versionId ? 1 : a.versionId > b.versionId ? -1 : 0));
    return [...versions, ...old];
  }

  async copy(source: ObjectRef, target: ObjectRef): Promise<ObjectInfo> {
    assertBucket(source.bucket);
    assertKey(source.key);
    assertBucket(target.bucket);
    assertKey(target.key);
    await this.requireBucket(target.bucket);
    const info = await this.stat(source.bucket, source.key);
    const tmp = this.layout.newTmpPath('copy');
    try {
      await copyFile(this.layout.dataPath(source.bucket, source.key), tmp, constants.COPYFILE_FICLONE);
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      await rm(tmp, { force: true });
      if (errnoCode(err) === 'ENOENT') throw notFound(source.bucket, source.key, err);
      throw embeddedFsError(err, `copying ${source.bucket}/${source.key}`, target);
    }
    await this.commitStaged(target.bucket, target.key, { path: tmp, sha256: info.sha256 ?? '', size: info.size }, undefined, info.contentType);
    return this.stat(target.bucket, target.key);
  }

  async delete(bucket: Bucket, key: string, options: DeleteOptions = {}): Promise<void> {
    assertBucket(bucket);
    assertKey(key);
    await this.requireBucket(bucket);
    await this.locks.run(`${bucket}/${key}`, async () => {
      try {
        const current = await currentObject(this.layout, bucket, key);
        if (current !== undefined) {
          if (VERSIONED_BUCKETS.has(bucket) && options.allVersions !== true) await preserveVersion(this.layout, bucket, key, current);
          await unlink(current.path);
          await rm(this.layout.sidecarPath(bucket, key), { force: true });
          await fsyncDir(dirname(current.path));
          await this.pruneEmptyDirs(bucket, dirname(current.path));
        }
        if (options.allVersions === true) await rm(this.layout.versionsDir(bucket, key), { recursive: true, force: true });
      } catch (err) {
        throw embeddedFsError(err, `deleting ${bucket}/${key}`, { bucket, key });
      }
    });
  }

  async readAccess(bucket: Bucket, key: string, _options?: AccessOptions): Promise<WorkerRead> {
    assertBucket(bucket);
    assertKey(key);
    const current = await currentObject(this.layout, bucket, key);
    if (current === undefined) throw await this.missing(bucket, key);
    return { kind: 'path', bucket, key, path: current.path, size: current.stats.size };
  }

  async writeAccess(bucket: Bucket, key: string, _options?: AccessOptions): Promise<WorkerWrite> {
    assertBucket(bucket);
    assertKey(key);
    await this.requireBucket(bucket);
    return { kind: 'path', bucket, key, path: this.layout.newTmpPath('worker') };
  }

  async commitWrite(target: WorkerWrite, options: CommitOptions = {}): Promise<ObjectInfo> {
    assertBucket(target.bucket);
    assertKey(target.key);
    if (target.kind !== 'path') throw invalidKey('the embedded store commits only local-path worker writes');
    const rel = relative(this.layout.tmpDir, target.path);
    if (rel === '' || rel.startsWith('..') || rel.includes(sep) || !rel.startsWith('worker-'))
      throw invalidKey(`not a staging path of this store: ${target.path}`);
    // The worker wrote the file; this read is the only one (fsync + hash), then an atomic rename.
    let digest: StreamDigest;
    try {
      const fh = await open(target.path, 'r+');
      try {
        await fh.sync();
        digest = await hashFile(fh);
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(target.bucket, target.key, err);
      throw embeddedFsError(err, `committing a worker write to ${target.bucket}/${target.key}`, target);
    }
    await this.commitStaged(target.bucket, target.key, { path: target.path, sha256: digest.sha256, size: digest.size }, options.sha256, options.contentType);
    return this.stat(target.bucket, target.key);
  }

  /** Test and recovery helper: sets an object's modification time (what lifecycle ages are measured from). */
  async setModified(bucket: Bucket, key: string, when: Date): Promise<void> {
    assertBucket(bucket);
    assertKey(key);
    try {
      await utimes(this.layout.dataPath(bucket, key), when, when);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(bucket, key, err);
      throw embeddedFsError(err, 'setting mtime');
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** Makes a staged file the object under `key` (keeping the previous version where the bucket is versioned). */
  private async commitStaged(
    bucket: Bucket,
    key: string,
    staged: Staged,
    expectedSha256: string | undefined,
    contentType: string | undefined,
  ): Promise<PutResult> {
    try {
      if (expectedSha256 !== undefined && expectedSha256.toLowerCase() !== staged.sha256) throw hashMismatch(bucket, key, expectedSha256, staged.sha256);
      return await this.locks.run(`${bucket}/${key}`, async () => {
        const dataPath = this.layout.dataPath(bucket, key);
        for (let attempt = 0; ; attempt++) {
          try {
            return await this.commitOnce(bucket, key, dataPath, staged, contentType);
          } catch (err) {
            // A concurrent delete may prune the directory between mkdir and rename: try again.
            if (errnoCode(err) === 'ENOENT' && attempt < 3) continue;
            throw err;
          }
        }
      });
    } catch (err) {
      await rm(staged.path, { force: true }).catch(() => undefined);
      throw embeddedFsError(err, `storing ${bucket}/${key}`, { bucket, key });
    }
  }

  private async commitOnce(bucket: Bucket, key: string, dataPath: string, staged: Staged, contentType: string | undefined): Promise<PutResult> {
    const dir = dirname(dataPath);
    let firstCreated: string | undefined;
    try {
      firstCreated = await mkdir(dir, { recursive: true, mode: 0o750 });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOTDIR' || code === 'EEXIST') throw conflict(`cannot store ${bucket}/${key}: a parent of the key is an object`, { bucket, key });
      throw err;
    }
    const current = await currentObject(this.layout, bucket, key);
    if (current === undefined) {
      const existing = await lstat(dataPath).catch(() => undefined);
      if (existing?.isDirectory()) throw conflict(`cannot store ${bucket}/${key}: other keys live under ${key}/`, { bucket, key });
    } else if (VERSIONED_BUCKETS.has(bucket)) {
      await preserveVersion(this.layout, bucket, key, current);
    }
    const stagedStats = await stat(staged.path);
    const sidecar: Sidecar = {
      v: 1,
      key,
      sha256: staged.sha256,
      size: staged.size,
      ...(contentType !== undefined ? { contentType } : {}),
      created: new Date().toISOString(),
      versionId: newVersionId(),
      ino: stagedStats.ino,
    };
    // Sidecar first: if we crash before the data rename, its inode does not match the old data and
    // it is ignored (recomputed); the data rename is the commit point.
    await writeFileDurable(this.layout.sidecarPath(bucket, key), JSON.stringify(sidecar), this.layout.newTmpPath('meta'));
    await rename(staged.path, dataPath);
    await fsyncDir(dir);
    if (firstCreated !== undefined) await fsyncDir(dirname(firstCreated));
    return { bucket, key, sha256: staged.sha256, size: staged.size, versionId: sidecar.versionId };
  }

  private async openForRead(bucket: Bucket, key: string, path: string): Promise<FileHandle> {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw await this.missing(bucket, key, err);
      throw embeddedFsError(err, `reading ${bucket}/${key}`);
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw notFound(bucket, key);
    }
    return fh;
  }

  private async pruneEmptyDirs(bucket: Bucket, dir: string): Promise<void> {
    const stop = this.layout.bucketDir(bucket);
    let current = dir;
    while (current.startsWith(stop + sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  private async requireBucket(bucket: Bucket): Promise<void> {
    try {
      const st = await stat(this.layout.bucketDir(bucket));
      if (st.isDirectory()) return;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw embeddedFsError(err, `checking bucket ${bucket}`);
    }
    throw noBucket(bucket, `no directory ${this.layout.bucketDir(bucket)}`);
  }

  private async missing(bucket: Bucket, key: string, cause?: unknown): Promise<Error> {
    try {
      await this.requireBucket(bucket);
    } catch (err) {
      return err as Error;
    }
    return notFound(bucket, key, cause);
  }

  private async removeStaleStaging(): Promise<void> {
    await this.removeStagingFiles(Date.now() - this.staleTmpMs);
  }

  /**
   * Removes staging files (`.tmp/`) last written before `before` (epoch ms): what writes cut by a
   * crash left. Start-up calls it with its own start time, once no write of this process can be
   * in flight. Returns the names removed.
   */
  async removeStagingFiles(before: number): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.layout.tmpDir)) {
      const path = join(this.layout.tmpDir, name);
      const st = await lstat(path).catch(() => undefined);
      if (st === undefined || st.mtimeMs >= before) continue;
      await rm(path, { force: true, recursive: true });
      removed.push(name);
    }
    return removed;
  }
}

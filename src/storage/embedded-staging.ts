import { open, rm, type FileHandle } from 'node:fs/promises';
import { writeAll } from './durable-fs.js';
import { embeddedFsError } from './embedded-errors.js';
import { READ_CHUNK_BYTES, StreamDigest, asBuffer } from './hashing-stream.js';
import type { ObjectRef, StoreBody } from './object-store.js';

/** A body written to a staging file, fsync'ed, with its sha256 and size. */
export interface Staged {
  path: string;
  sha256: string;
  size: number;
}

/** Streams the body into a staging file at `path` (on the store's filesystem): each chunk's write is issued, then hashed while the write runs. */
export async function stageBody(path: string, body: StoreBody, ref: ObjectRef): Promise<Staged> {
  const digest = new StreamDigest();
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'wx', 0o640);
    let pending: Promise<void> | undefined;
    for await (const raw of body as AsyncIterable<unknown>) {
      const chunk = asBuffer(raw);
      if (pending !== undefined) await pending;
      pending = writeAll(fh, chunk);
      digest.update(chunk);
    }
    if (pending !== undefined) await pending;
    await fh.sync();
    await fh.close();
    fh = undefined;
    return { path, sha256: digest.sha256, size: digest.size };
  } catch (err) {
    if (fh !== undefined) await fh.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw embeddedFsError(err, `writing ${ref.bucket}/${ref.key}`, ref);
  }
}

/** Hashes an open file with large reads (one pass: 4 MiB at a time). */
export async function hashFile(fh: FileHandle): Promise<StreamDigest> {
  const digest = new StreamDigest();
  const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    digest.update(buf.subarray(0, bytesRead));
  }
  return digest;
}

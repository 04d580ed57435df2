import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Bucket, ObjectStore } from '../storage/object-store.js';

/** What an encoder reads: a local path or a loopback URL, released when the task is done with it. */
export interface StagedInput {
  input: string;
  release(): Promise<void>;
}

const nothing = async (): Promise<void> => undefined;

/**
 * The input an encoder reads: the object in place on the embedded store (zero copy), the
 * encrypted store's loopback range server (decrypted as read, no plaintext on disk; the
 * encoder opens it with `http,tcp`), or — a clear S3 store — streamed to `scratchPath` first.
 */
export async function stageIn(objects: ObjectStore, bucket: Bucket, key: string, scratchPath: string): Promise<StagedInput> {
  const access = await objects.readAccess(bucket, key);
  if (access.kind === 'path') return { input: access.path, release: nothing };
  if (access.release !== undefined) return { input: access.url, release: access.release };
  await mkdir(dirname(scratchPath), { recursive: true });
  await pipeline(await objects.get(bucket, key), createWriteStream(scratchPath, { highWaterMark: 4 << 20 }));
  return { input: scratchPath, release: nothing };
}

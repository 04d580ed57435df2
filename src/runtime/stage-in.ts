import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Bucket, ObjectStore } from '../storage/object-store.js';

/**
 * A local file an encoder can read with `-protocol_whitelist file,pipe`: the object in place
 * on the embedded store (zero copy), or streamed to `scratchPath` from S3.
 */
export async function stageIn(objects: ObjectStore, bucket: Bucket, key: string, scratchPath: string): Promise<string> {
  const access = await objects.readAccess(bucket, key);
  if (access.kind === 'path') return access.path;
  await mkdir(dirname(scratchPath), { recursive: true });
  await pipeline(await objects.get(bucket, key), createWriteStream(scratchPath, { highWaterMark: 4 << 20 }));
  return scratchPath;
}

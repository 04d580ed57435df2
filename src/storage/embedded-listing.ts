import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from './durable-fs.js';
import { embeddedFsError } from './embedded-errors.js';
import { isSidecarName } from './embedded-layout.js';
import type { Bucket, ObjectSummary } from './object-store.js';

/** The objects under `dir` (keys `keyPrefix…`) that start with `filter`, in key byte order; sidecars are skipped. */
export async function* walkObjects(bucket: Bucket, dir: string, keyPrefix: string, filter: string): AsyncGenerator<ObjectSummary> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw embeddedFsError(err, `listing ${bucket}`);
  }
  const items = entries
    .filter((e) => !isSidecarName(e.name) && (e.isFile() || e.isDirectory()))
    .map((e) => ({ entry: e, sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const { entry } of items) {
    const key = keyPrefix + entry.name;
    if (entry.isDirectory()) {
      const dirKey = `${key}/`;
      if (dirKey.startsWith(filter) || filter.startsWith(dirKey)) yield* walkObjects(bucket, join(dir, entry.name), dirKey, filter);
    } else if (key.startsWith(filter)) {
      try {
        const st = await lstat(join(dir, entry.name));
        yield { bucket, key, size: st.size, lastModified: st.mtime };
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw embeddedFsError(err, `listing ${bucket}`);
      }
    }
  }
}

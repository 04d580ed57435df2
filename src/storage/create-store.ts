import { join } from 'node:path';
import { EmbeddedStore } from './embedded-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store, type S3StoreOptions } from './s3-store.js';

export type StoreConfig =
  | { kind: 'embedded'; /** `<data>` (objects go to `<data>/objects`) */ dataDir: string }
  | { kind: 'embedded'; /** explicit objects root */ root: string }
  | ({ kind: 's3' } & S3StoreOptions);

/** Builds the configured store (no I/O); call `open()` at start-up. */
export function createStore(config: StoreConfig): ObjectStore {
  if (config.kind === 's3') {
    const { kind: _kind, ...options } = config;
    return new S3Store(options);
  }
  return new EmbeddedStore({ root: 'root' in config ? config.root : join(config.dataDir, 'objects') });
}

/** Builds and opens the store: reachability, credentials (STORAGE_AUTH), buckets. */
export async function openStore(config: StoreConfig): Promise<ObjectStore> {
  const store = createStore(config);
  try {
    await store.open();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

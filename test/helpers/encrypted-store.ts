import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryKek, type KeyEncryptionKey } from '../../src/at-rest/key-encryption-key.js';
import { EncryptedStore, type RefusedRead } from '../../src/storage/encrypted-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface EncryptedTarget {
  store: EncryptedStore;
  kek: KeyEncryptionKey;
  db: SqliteStore;
  refused: RefusedRead[];
  cleanup(): Promise<void>;
}

/** `inner` sealed under a fresh random KEK, its key ring in a real SQLite database in a temp dir. */
export async function encryptedOver(inner: ObjectStore, kek: KeyEncryptionKey = memoryKek(randomBytes(32))): Promise<EncryptedTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-keyring-'));
  const db = new SqliteStore({ path: join(dir, 'mpegflow.db') });
  const refused: RefusedRead[] = [];
  const store = new EncryptedStore(inner, { current: kek, all: [kek] }, db.dataKeys, { onRefused: (e) => refused.push(e) });
  await store.open();
  return {
    store,
    kek,
    db,
    refused,
    cleanup: async () => {
      await store.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

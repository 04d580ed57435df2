import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rotateDataKeys } from '../../appliance/key-rotation.js';
import { memoryKek } from '../../src/at-rest/key-encryption-key.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { EncryptedStore } from '../../src/storage/encrypted-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { readAll } from '../storage/pseudo-random.js';

test('rotation re-wraps every data key under the new KEK without touching content; only the new KEK is needed after; audited per batch', async () => {
  const dir = tempDir('mpegflow-rotation-');
  const db = new SqliteStore({ path: join(dir, 'mpegflow.db') });
  const inner = new EmbeddedStore({ root: join(dir, 'objects') });
  const oldKek = memoryKek(randomBytes(32));
  const newKek = memoryKek(randomBytes(32));
  const before = new EncryptedStore(inner, { current: oldKek, all: [oldKek] }, db.dataKeys);
  await before.open();
  const bodies = new Map<string, Buffer>();
  for (let i = 0; i < 7; i++) {
    const data = randomBytes(1000 + i * 300_000);
    bodies.set(`r/${i}.bin`, data);
    await before.put('output', `r/${i}.bin`, Readable.from([data]));
  }
  const fileSha = (key: string): string =>
    createHash('sha256')
      .update(readFileSync(inner.layout.dataPath('output', key)))
      .digest('hex');
  const sealedBefore = [...bodies.keys()].map(fileSha);

  const report = await rotateDataKeys(db, { current: newKek, all: [newKek, oldKek] }, 'test');
  assert.equal(report, { to: newKek.id, moved: { [oldKek.id]: 7 }, unavailable: {} });
  assert.equal(await db.dataKeys.countByKek(), { [newKek.id]: 7 });
  assert.equal([...bodies.keys()].map(fileSha), sealedBefore, 'the sealed objects are byte for byte the same');

  const after = new EncryptedStore(inner, { current: newKek, all: [newKek] }, db.dataKeys);
  for (const [key, data] of bodies) assert.ok((await readAll(await after.get('output', key))).equals(data), key);
  const events = await db.audit.list({ type: 'at_rest.data_keys_rewrapped' });
  assert.equal(
    events.map((e) => (e.payload as { from: string; to: string; count: number }).count),
    [7],
  );
  assert.is((events[0]!.payload as { to: string }).to, newKek.id);

  // Run again: nothing left to move.
  assert.equal((await rotateDataKeys(db, { current: newKek, all: [newKek, oldKek] }, 'test')).moved, {});
  // A KEK the ring needs but the config lacks is reported, not guessed at.
  const third = memoryKek(randomBytes(32));
  assert.equal((await rotateDataKeys(db, { current: third, all: [third] }, 'test')).unavailable, { [newKek.id]: 7 });
  await db.close();
});

test.run();

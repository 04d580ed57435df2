// A KEK held by an HSM: SoftHSM over PKCS#11 behind provisioning/kek-pkcs11.sh, the command
// protocol of src/at-rest/command-kek.ts — real tokens, real pkcs11-tool, no stand-in.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rotateDataKeys } from '../../appliance/key-rotation.js';
import { commandKek } from '../../src/at-rest/command-kek.js';
import { memoryKek } from '../../src/at-rest/key-encryption-key.js';
import { packageRoot } from '../../src/config/package-root.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { EncryptedStore } from '../../src/storage/encrypted-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { softHsmToken } from '../helpers/softhsm.js';
import { tempDir } from '../helpers/temp-dir.js';
import { readAll } from '../storage/pseudo-random.js';

const script = join(packageRoot, 'provisioning', 'kek-pkcs11.sh');

test('objects sealed under data keys wrapped by an HSM key (SoftHSM, PKCS#11); a file KEK rotated into it; another token cannot unwrap', async () => {
  const token = softHsmToken();
  if (!token) return;
  const hsm = await commandKek([script, token.conf]);
  assert.is(hsm.id, 'kek-cmd-pkcs11-mpegflow-01');

  const dir = tempDir('mpegflow-hsm-store-');
  const db = new SqliteStore({ path: join(dir, 'mpegflow.db') });
  const inner = new EmbeddedStore({ root: join(dir, 'objects') });
  const file = memoryKek(randomBytes(32));
  const before = new EncryptedStore(inner, { current: file, all: [file] }, db.dataKeys);
  await before.open();
  const old = randomBytes(50_000);
  await before.put('output', 'old.bin', Readable.from([old]));

  // New objects: wrapped by the HSM; timed, for docs/at-rest.md.
  const store = new EncryptedStore(inner, { current: hsm, all: [hsm, file] }, db.dataKeys);
  const data = randomBytes(3_000_000);
  let t = performance.now();
  await store.put('output', 'new.bin', Readable.from([data]));
  const putMs = performance.now() - t;
  t = performance.now();
  assert.ok((await readAll(await store.get('output', 'new.bin'))).equals(data));
  const getMs = performance.now() - t;
  console.log(`  put with an HSM wrap: ${putMs.toFixed(0)} ms; first get (HSM unwrap): ${getMs.toFixed(0)} ms`);

  // Rotation moves the file KEK's data key into the HSM; then the file KEK is not needed.
  const report = await rotateDataKeys(db, { current: hsm, all: [hsm, file] }, 'test');
  assert.equal(report.moved, { [file.id]: 1 });
  const hsmOnly = new EncryptedStore(inner, { current: hsm, all: [hsm] }, db.dataKeys);
  assert.ok((await readAll(await hsmOnly.get('output', 'old.bin'))).equals(old));

  // Another token's key (same name, different key) does not unwrap them.
  const other = softHsmToken()!;
  const otherKek = await commandKek([script, other.conf]);
  assert.is(otherKek.id, hsm.id, 'same label and id, different key');
  const wrong = new EncryptedStore(inner, { current: otherKek, all: [otherKek] }, db.dataKeys);
  try {
    await wrong.get('output', 'new.bin');
    assert.unreachable('another HSM key unwrapped the data key');
  } catch (err) {
    assert.is((err as { code: string }).code, 'KEK_UNWRAP_FAILED');
  }
  await db.close();
});

test('a KEK command that cannot run or fails: KEK_UNAVAILABLE naming it', async () => {
  for (const argv of [['/nonexistent/kek-tool'], [script, '/nonexistent.conf']]) {
    try {
      await commandKek(argv, { timeoutMs: 10_000 });
      assert.unreachable(argv.join(' '));
    } catch (err) {
      assert.is((err as { code: string }).code, 'KEK_UNAVAILABLE');
      assert.match((err as Error).message, argv[0]!);
    }
  }
});

test.run();

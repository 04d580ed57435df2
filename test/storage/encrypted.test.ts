import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { open, readFile, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryKek } from '../../src/at-rest/key-encryption-key.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { EncryptedStore } from '../../src/storage/encrypted-store.js';
import { encryptedOver, type EncryptedTarget } from '../helpers/encrypted-store.js';
import { onSmallDisk } from '../helpers/small-disk.js';
import { defineContract, expectCode } from './contract.js';
import { pseudoRandomBytes, readAll, sha256Hex } from './pseudo-random.js';

const scratch = (tag: string): string => mkdtempSync(join(tmpdir(), `mpegflow-enc-${tag}-`));

defineContract('encrypted over embedded', async () => {
  const dir = scratch('contract');
  const target = await encryptedOver(new EmbeddedStore({ root: join(dir, 'objects') }));
  return {
    store: target.store,
    cleanup: async () => {
      await target.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

const body = (data: Buffer | string): Readable => Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]);

const e = suite<{ dir: string; inner: EmbeddedStore; t: EncryptedTarget }>('encrypted store: at rest and bad input', {} as never);
e.before.each(async (ctx) => {
  ctx.dir = scratch('specific');
  ctx.inner = new EmbeddedStore({ root: join(ctx.dir, 'objects') });
  ctx.t = await encryptedOver(ctx.inner);
});
e.after.each(async (ctx) => {
  await ctx.t.cleanup();
  await rm(ctx.dir, { recursive: true, force: true });
});

e('no byte of the content is on disk in clear; sha256 and size are the plaintext’s', async ({ dir, t }) => {
  const marker = Buffer.from(`MPEGFLOW-MARKER-${randomBytes(8).toString('hex')}`);
  const data = Buffer.concat([pseudoRandomBytes('m', 3_000_000), marker, pseudoRandomBytes('n', 10_000)]);
  const put = await t.store.put('input', 'job/master.mov', body(data), { contentType: 'video/quicktime' });
  assert.is(put.sha256, sha256Hex(data));
  for (const file of await filesUnder(dir)) assert.not.ok((await readFile(file)).includes(marker), `marker found in clear in ${file}`);
  const info = await t.store.stat('input', 'job/master.mov');
  assert.equal([info.size, info.sha256, info.contentType], [data.length, sha256Hex(data), 'video/quicktime']);
  const row = (await t.db.dataKeys.countByKek())[t.kek.id];
  assert.is(row, 1, 'one data key, wrapped by the KEK');
  assert.ok((await readAll(await t.store.get('input', 'job/master.mov'))).equals(data));
});

e('a flipped byte: OBJECT_TAMPERED on every read, never bytes; the refusal is reported', async ({ t, inner }) => {
  const data = pseudoRandomBytes('t', 2_500_000);
  await t.store.put('output', 'j/seg.m4s', body(data));
  const path = inner.layout.dataPath('output', 'j/seg.m4s');
  const fh = await open(path, 'r+');
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, 1_500_000);
  one[0] = one[0]! ^ 0x01;
  await fh.write(one, 0, 1, 1_500_000);
  await fh.close();
  await expectCode(async () => readAll(await t.store.get('output', 'j/seg.m4s')), 'OBJECT_TAMPERED', 'get');
  await expectCode(async () => readAll(await t.store.getRange('output', 'j/seg.m4s', 1_200_000, 10)), 'OBJECT_TAMPERED', 'range in the changed chunk');
  // A range in an intact chunk still reads.
  assert.ok((await readAll(await t.store.getRange('output', 'j/seg.m4s', 10, 100))).equals(data.subarray(10, 110)));
  assert.ok(t.refused.some((r) => r.code === 'OBJECT_TAMPERED' && r.key === 'j/seg.m4s'));
});

e('a truncated object: OBJECT_TRUNCATED inside a tag, OBJECT_TAMPERED when the cut leaves a whole-looking chunk', async ({ t, inner }) => {
  await t.store.put('output', 'j/cut.m4s', body(pseudoRandomBytes('c', 1_100_000)));
  const path = inner.layout.dataPath('output', 'j/cut.m4s');
  await truncate(path, 40 + 1_048_592 + 5);
  await expectCode(() => t.store.stat('output', 'j/cut.m4s'), 'OBJECT_TRUNCATED', 'stat');
  await expectCode(async () => readAll(await t.store.get('output', 'j/cut.m4s')), 'OBJECT_TRUNCATED', 'get');
  await truncate(path, 1_050_000);
  await expectCode(async () => readAll(await t.store.get('output', 'j/cut.m4s')), 'OBJECT_TAMPERED', 'get of a cut whose rest passes for a short last chunk');
  await expectCode(async () => readAll(await t.store.getRange('output', 'j/cut.m4s', 1_048_576)), 'OBJECT_TAMPERED', 'range');
});

e('a KEK that is no longer configured: KEK_UNAVAILABLE naming it, nothing deleted', async ({ t, inner }) => {
  await t.store.put('output', 'old/a.bin', body('sealed under the old KEK'));
  const other = memoryKek(randomBytes(32));
  const rotatedAway = new EncryptedStore(inner, { current: other, all: [other] }, t.db.dataKeys);
  const err = await expectCode(async () => readAll(await rotatedAway.get('output', 'old/a.bin')), 'KEK_UNAVAILABLE');
  assert.match(err.message, t.kek.id);
  assert.is((await readAll(await t.store.get('output', 'old/a.bin'))).toString(), 'sealed under the old KEK', 'still there');
});

e('an object whose key is not in the ring: DATA_KEY_MISSING; a clear object: OBJECT_NOT_ENCRYPTED', async ({ t, inner, dir }) => {
  await t.store.put('output', 'k/a.bin', body('x'));
  const elsewhere = await encryptedOver(inner);
  await expectCode(() => elsewhere.store.stat('output', 'k/a.bin'), 'DATA_KEY_MISSING');
  await elsewhere.cleanup();
  await inner.put('output', 'k/clear.bin', body('written before encryption was on'));
  await expectCode(async () => readAll(await t.store.get('output', 'k/clear.bin')), 'OBJECT_NOT_ENCRYPTED');
  assert.ok(dir.length > 0);
});

e('a failed put (hash mismatch, body error) stores nothing under the key', async ({ t }) => {
  await expectCode(() => t.store.put('output', 'f/a', body('hello'), { expectedSha256: sha256Hex('other') }), 'STORAGE_HASH_MISMATCH');
  await expectCode(() => t.store.stat('output', 'f/a'), 'STORAGE_NOT_FOUND');
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(2_000_000, 1);
    throw new Error('source failed');
  }
  let failed = false;
  await t.store.put('output', 'f/b', broken()).catch(() => (failed = true));
  assert.ok(failed, 'the put failed');
  await expectCode(() => t.store.stat('output', 'f/b'), 'STORAGE_NOT_FOUND');
});

e('worker read: a loopback range server of the plaintext, with seeking; released at the end', async ({ t }) => {
  const data = pseudoRandomBytes('w', 3_000_000);
  await t.store.put('intermediate', 'w/r.mp4', body(data));
  const read = await t.store.readAccess('intermediate', 'w/r.mp4');
  assert.is(read.kind, 'url');
  if (read.kind !== 'url') return;
  assert.match(read.url, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
  const res = await fetch(read.url, { headers: { range: 'bytes=2000000-2000099' } });
  assert.is(res.status, 206);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(data.subarray(2_000_000, 2_000_100)));
  await read.release?.();
  assert.is(
    await fetch(read.url).then(
      () => 'answered',
      () => 'refused',
    ),
    'refused',
    'closed after release',
  );
});

e('a disk that fills while encrypting: STORAGE_NO_SPACE, nothing under the key, the store works on', async ({ t }) => {
  await onSmallDisk(async (mnt) => {
    const full = new EncryptedStore(new EmbeddedStore({ root: join(mnt, 'objects') }), { current: t.kek, all: [t.kek] }, t.db.dataKeys);
    await full.open();
    await full.put('input', 'full/small', body('fits'));
    await expectCode(() => full.put('input', 'full/big.mov', body(pseudoRandomBytes('fill', 5 * 1024 * 1024))), 'STORAGE_NO_SPACE');
    assert.equal(await readdir(join(mnt, 'objects', '.tmp')), [], 'staging file removed');
    await expectCode(() => full.stat('input', 'full/big.mov'), 'STORAGE_NOT_FOUND');
    assert.is((await readAll(await full.get('input', 'full/small'))).toString(), 'fits');
  });
});

e.run();

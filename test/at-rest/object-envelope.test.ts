// The encrypted object format: round trips of every size around chunk boundaries, random-access
// ranges, and every way a stored object can be damaged — each an error, never bytes served.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decryptingStream, decryptRange, encodeHeader, encryptingStream, HEADER_BYTES, plaintextLength, TAG_BYTES } from '../../src/at-rest/object-envelope.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';

const CHUNK = 4096;
const key = randomBytes(32);
const keyId = randomBytes(16).toString('hex');

/** Encrypts `plain`, fed in pieces of `piece` bytes (streams cut data anywhere). */
async function seal(plain: Buffer, piece = 1000, header = encodeHeader(CHUNK, keyId)): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < plain.length; i += piece) pieces.push(plain.subarray(i, i + piece));
  return buffer(Readable.from(pieces).pipe(encryptingStream(key, header)));
}
const open = async (sealed: Buffer, k = key, id = keyId) => {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([sealed.subarray(0, 7), sealed.subarray(7)]), decryptingStream(k, id), async function (source) {
    for await (const c of source) chunks.push(c as Buffer);
  });
  return Buffer.concat(chunks);
};
const readAtOf = (sealed: Buffer) => async (offset: number, length: number) => sealed.subarray(offset, offset + length);
async function range(sealed: Buffer, start: number, end: number, k = key): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const part of decryptRange(k, readAtOf(sealed), sealed.length, start, end, keyId)) out.push(part);
  return Buffer.concat(out);
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ApplianceError, String(err));
    return (err as ApplianceError).code;
  }
  throw new Error('expected an error');
}

test('round trips around chunk boundaries; the size follows from the ciphertext size; no plaintext in the ciphertext', async () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
    const plain = Buffer.alloc(size, 'MARKER-');
    const sealed = await seal(plain, 777);
    const chunks = Math.max(1, Math.ceil(size / CHUNK));
    assert.is(sealed.length, HEADER_BYTES + size + chunks * TAG_BYTES, `size ${size}`);
    assert.is(plaintextLength(sealed.length, CHUNK), size);
    assert.ok((await open(sealed)).equals(plain), `round trip of ${size}`);
    if (size >= 7) assert.is(sealed.indexOf('MARKER-'), -1, 'the marker is not in the ciphertext');
  }
});

test('random access: any range decrypts only what it touches and equals the plaintext slice', async () => {
  const plain = randomBytes(5 * CHUNK + 123);
  const sealed = await seal(plain, 5000);
  for (const [start, end] of [
    [0, 0],
    [0, plain.length - 1],
    [CHUNK - 1, CHUNK],
    [2 * CHUNK + 5, 2 * CHUNK + 5],
    [4 * CHUNK, plain.length - 1],
    [17, 3 * CHUNK + 9],
  ] as const) {
    assert.ok((await range(sealed, start, end)).equals(plain.subarray(start, end + 1)), `${start}-${end}`);
  }
  // A range inside chunk 2 reads the header and that chunk only.
  const reads: Array<[number, number]> = [];
  const parts: Buffer[] = [];
  for await (const p of decryptRange(
    key,
    async (o, l) => (reads.push([o, l]), sealed.subarray(o, o + l)),
    sealed.length,
    2 * CHUNK + 10,
    2 * CHUNK + 20,
    keyId,
  ))
    parts.push(p);
  assert.equal(reads, [
    [0, HEADER_BYTES],
    [HEADER_BYTES + 2 * (CHUNK + TAG_BYTES), CHUNK + TAG_BYTES],
  ]);
});

test('a flipped byte, swapped chunks, a chunk from another object, a cut object, the wrong key: each refused', async () => {
  const plain = randomBytes(3 * CHUNK + 100);
  const sealed = await seal(plain);
  const flipped = Buffer.from(sealed);
  flipped[HEADER_BYTES + CHUNK + 20]! ^= 0x01;
  assert.is(await codeOf(open(flipped)), 'OBJECT_TAMPERED');
  assert.is(await codeOf(range(flipped, CHUNK, CHUNK + 30)), 'OBJECT_TAMPERED');
  // The untouched chunks still read by range: a flipped byte costs only its chunk.
  assert.ok((await range(flipped, 0, 10)).equals(plain.subarray(0, 11)));

  const s = CHUNK + TAG_BYTES;
  const swapped = Buffer.concat([
    sealed.subarray(0, HEADER_BYTES),
    sealed.subarray(HEADER_BYTES + s, HEADER_BYTES + 2 * s),
    sealed.subarray(HEADER_BYTES, HEADER_BYTES + s),
    sealed.subarray(HEADER_BYTES + 2 * s),
  ]);
  assert.is(await codeOf(open(swapped)), 'OBJECT_TAMPERED');

  const other = await seal(randomBytes(3 * CHUNK + 100));
  const spliced = Buffer.concat([
    sealed.subarray(0, HEADER_BYTES + s),
    other.subarray(HEADER_BYTES + s, HEADER_BYTES + 2 * s),
    sealed.subarray(HEADER_BYTES + 2 * s),
  ]);
  assert.is(await codeOf(open(spliced)), 'OBJECT_TAMPERED');

  // Cut at a chunk boundary (the final flag is missing), inside a chunk, inside the header.
  assert.is(await codeOf(open(sealed.subarray(0, HEADER_BYTES + 2 * s))), 'OBJECT_TAMPERED');
  assert.is(await codeOf(range(sealed.subarray(0, HEADER_BYTES + 2 * s), CHUNK, 2 * CHUNK - 1)), 'OBJECT_TAMPERED');
  assert.is(await codeOf(open(sealed.subarray(0, HEADER_BYTES + 2 * s + 5))), 'OBJECT_TRUNCATED');
  assert.is(await codeOf(open(sealed.subarray(0, 20))), 'OBJECT_TRUNCATED');
  assert.is(await codeOf(open(await seal(Buffer.alloc(0)).then((b) => b.subarray(0, HEADER_BYTES)))), 'OBJECT_TRUNCATED');

  assert.is(await codeOf(open(sealed, randomBytes(32))), 'OBJECT_TAMPERED');
  assert.is(await codeOf(open(sealed, key, randomBytes(16).toString('hex'))), 'OBJECT_TAMPERED', 'another object key id');
  assert.is(await codeOf(open(plain)), 'OBJECT_NOT_ENCRYPTED');
});

test.run();

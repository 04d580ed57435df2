import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HashingStream, StreamDigest } from '../../src/storage/hashing-stream.js';
import { pseudoRandomBytes } from './pseudo-random.js';

test('HashingStream passes bytes through and hashes them in the same pass', async () => {
  const data = pseudoRandomBytes('hs', 3 * 1024 * 1024 + 17);
  const hashing = new HashingStream();
  const seen: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      seen.push(chunk);
      cb();
    },
  });
  await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), hashing, sink);
  assert.ok(Buffer.concat(seen).equals(data));
  assert.is(hashing.sha256, createHash('sha256').update(data).digest('hex'));
  assert.is(hashing.size, data.length);
});

test('StreamDigest refuses updates after the digest', () => {
  const d = new StreamDigest();
  d.update(Buffer.from('abc'));
  assert.is(d.sha256, createHash('sha256').update('abc').digest('hex'));
  assert.is(d.sha256, d.sha256);
  assert.throws(() => d.update(Buffer.from('x')), /finished/);
});

test.run();

/**
 * The encrypted object format's own cost, in memory (no disk): sealing and opening N MiB with
 * AES-256-GCM in 1 MiB chunks, next to sha256 of the same bytes (what every put and get already
 * pays) and a plain pass through a Transform, measured in the same run, best of three each.
 * The stores do not use the format yet: this is the ceiling the wiring has to live under.
 *
 *   node dist/bench/at-rest.js            (AT_REST_BENCH_MIB=512 by default)
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptingStream, DEFAULT_CHUNK_SIZE, encodeHeader, encryptingStream } from '../src/at-rest/object-envelope.js';

const MIB = 1024 ** 2;
const mib = Number(process.env.AT_REST_BENCH_MIB ?? 512);
const block = randomBytes(MIB);
const key = randomBytes(32);
const keyId = randomBytes(16).toString('hex');

function source(): Readable {
  let left = mib;
  return new Readable({
    read() {
      this.push(left-- > 0 ? block : null);
    },
  });
}
const sink = () =>
  new Writable({
    write(_c, _e, done) {
      done();
    },
  });

async function hashAll(s: AsyncIterable<unknown>): Promise<void> {
  const h = createHash('sha256');
  for await (const c of s) h.update(c as Buffer);
  h.digest();
}

async function best(run: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await run();
    fastest = Math.min(fastest, (performance.now() - t) / 1000);
  }
  return fastest;
}

const sealedChunks: Buffer[] = [];
await pipeline(source(), encryptingStream(key, encodeHeader(DEFAULT_CHUNK_SIZE, keyId)), async function (s) {
  for await (const c of s) sealedChunks.push(c as Buffer);
});

const rows: Array<[string, number]> = [
  ['pass-through (baseline)', await best(() => pipeline(source(), new PassThrough(), sink()))],
  ['sha256 (every put/get already)', await best(() => pipeline(source(), hashAll))],
  ['seal (AES-256-GCM, 1 MiB chunks)', await best(() => pipeline(source(), encryptingStream(key, encodeHeader(DEFAULT_CHUNK_SIZE, keyId)), sink()))],
  ['open (verify + decrypt)', await best(() => pipeline(Readable.from(sealedChunks), decryptingStream(key, keyId), sink()))],
];
const sha = rows[1]![1];
console.log(`at-rest format, ${mib} MiB in memory, Node ${process.version}`);
for (const [what, s] of rows) console.log(`${what.padEnd(36)} ${(mib / s).toFixed(0).padStart(6)} MiB/s  ${(s / sha).toFixed(2)}× the time of sha256`);

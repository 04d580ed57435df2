/**
 * Part 2 (same run): an encoder reading an encrypted master through the loopback range server
 * (src/at-rest/range-server.ts) against reading the plain file — ffmpeg decoding every frame
 * of a generated 1080p master to null, best of two each; decoding is the read-heaviest an
 * encoder gets, so this is the worst case of the overhead.
 *
 * Part 1: the encrypted object format's own cost, in memory (no disk): sealing and opening N MiB with
 * AES-256-GCM in 1 MiB chunks, next to sha256 of the same bytes (what every put and get already
 * pays) and a plain pass through a Transform, measured in the same run, best of three each.
 * The stores do not use the format yet: this is the ceiling the wiring has to live under.
 *
 *   node dist/bench/at-rest.js            (AT_REST_BENCH_MIB=512 by default)
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptedFileSource } from '../src/at-rest/encrypted-file.js';
import { decryptingStream, DEFAULT_CHUNK_SIZE, encodeHeader, encryptingStream } from '../src/at-rest/object-envelope.js';
import { serveRanges } from '../src/at-rest/range-server.js';
import { testClipArgs } from '../test/helpers/clip-args.js';
import { testImage } from '../test/helpers/ffmpeg-image.js';

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

async function timed(run: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await run();
  return (performance.now() - t) / 1000;
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

// Part 2: an encoder reading through the range server vs the plain file.
const seconds = Number(process.env.AT_REST_BENCH_SECONDS ?? 30);
const img = await testImage();
const work = mkdtempSync(join(tmpdir(), 'mpegflow-bench-at-rest-'));
const plainPath = join(work, 'master.mp4');
const sealedPath = join(work, 'master.mp4.enc');
const gen = spawnSync(
  img.argv('ffmpeg')[0]!,
  [...img.argv('ffmpeg').slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1920x1080', seconds), plainPath],
  {
    env: { LC_ALL: 'C' },
  },
);
if (gen.status !== 0) throw new Error(String(gen.stderr));
await pipeline(createReadStream(plainPath), encryptingStream(key, encodeHeader(DEFAULT_CHUNK_SIZE, keyId)), createWriteStream(sealedPath));
const decode = (input: string) =>
  new Promise<void>((resolve, reject) => {
    const whitelist = input.startsWith('http') ? 'http,tcp' : 'file';
    const child = spawn(
      img.argv('ffmpeg')[0]!,
      [...img.argv('ffmpeg').slice(1), '-nostdin', '-v', 'error', '-protocol_whitelist', whitelist, '-i', input, '-f', 'null', '-'],
      {
        stdio: 'ignore',
        env: { LC_ALL: 'C' },
      },
    );
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
const sealedSource = await encryptedFileSource(sealedPath, key, keyId);
const served = await serveRanges(sealedSource);
const bestOfTwo = async (run: () => Promise<void>) => Math.min(...[await timed(run), await timed(run)]);
const fromFile = await bestOfTwo(() => decode(plainPath));
const viaServer = await bestOfTwo(() => decode(served.url));
await served.close();
await sealedSource.close();
const sealedMiB = statSync(sealedPath).size / MIB;
rmSync(work, { recursive: true, force: true });
console.log(`\nffmpeg decoding a ${seconds} s 1080p master (${sealedMiB.toFixed(1)} MiB sealed, ${served.requests()} range requests)`);
console.log(`${'plain file'.padEnd(36)} ${fromFile.toFixed(2).padStart(6)} s`);
console.log(`${'encrypted, via the range server'.padEnd(36)} ${viaServer.toFixed(2).padStart(6)} s  ${(viaServer / fromFile).toFixed(2)}× the plain file`);

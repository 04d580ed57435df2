// An encoder reads an encrypted master through the loopback range server: the real ffprobe and
// ffmpeg of the test image, seeking over HTTP ranges, see exactly the plaintext; no plaintext
// file is written; a tampered chunk cuts the read short instead of serving unchecked bytes.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encryptedFileSource } from '../../src/at-rest/encrypted-file.js';
import { DEFAULT_CHUNK_SIZE, encodeHeader, encryptingStream } from '../../src/at-rest/object-envelope.js';
import { parseRange, serveRanges } from '../../src/at-rest/range-server.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Runs a process without blocking this one (the range server answers from this event loop). */
function run(argv: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const key = randomBytes(32);
const keyId = randomBytes(16).toString('hex');
const dir = tempDir('mpegflow-range-server-');

async function encrypt(plain: string, sealed: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<void> {
  await pipeline(createReadStream(plain), encryptingStream(key, encodeHeader(chunkSize, keyId)), createWriteStream(sealed));
}

test('ranges: whole, a-b, a-, -n, unsatisfiable', () => {
  assert.equal(parseRange('bytes=0-', 10), [0, 9]);
  assert.equal(parseRange('bytes=2-5', 10), [2, 5]);
  assert.equal(parseRange('bytes=7-', 10), [7, 9]);
  assert.equal(parseRange('bytes=-3', 10), [7, 9]);
  assert.equal(parseRange('bytes=5-100', 10), [5, 9]);
  assert.is(parseRange('bytes=10-', 10), null);
  assert.is(parseRange('bytes=6-2', 10), null);
  assert.is(parseRange('items=1-2', 10), 'whole');
});

test('ffprobe and ffmpeg read an encrypted MP4 master (moov at the end: they must seek) through the range server', async () => {
  const img = await testImage();
  const plain = join(dir, 'master.mp4');
  const gen = spawnSync(img.argv('ffmpeg')[0]!, [...img.argv('ffmpeg').slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('320x180', 3), plain], {
    env: { LC_ALL: 'C' },
  });
  assert.is(gen.status, 0, String(gen.stderr));
  const sealed = join(dir, 'master.mp4.enc');
  await encrypt(plain, sealed, 64 * 1024);
  assert.is(readFileSync(sealed).indexOf(readFileSync(plain).subarray(100, 164)), -1, 'no plaintext run in the encrypted file');

  const source = await encryptedFileSource(sealed, key, keyId);
  const served = await serveRanges(source);
  try {
    assert.is(source.size, readFileSync(plain).length);
    const whitelist = (input: string) => ['-protocol_whitelist', input.startsWith('http') ? 'http,tcp' : 'file'];
    const probe = (input: string) => run([...img.argv('ffprobe'), ...whitelist(input), '-v', 'error', '-of', 'json', '-show_format', '-show_streams', input]);
    const fromFile = JSON.parse((await probe(plain)).stdout) as {
      format: { duration: string; size: string };
      streams: Array<{ codec_name: string; nb_frames?: string }>;
    };
    const viaServer = await probe(served.url);
    assert.is(viaServer.status, 0, viaServer.stderr);
    const fromServer = JSON.parse(viaServer.stdout) as typeof fromFile;
    assert.equal(fromServer.streams, fromFile.streams);
    assert.equal([fromServer.format.duration, fromServer.format.size], [fromFile.format.duration, fromFile.format.size]);
    // Decoding every frame: the same frames, by their checksums.
    const framemd5 = async (input: string) =>
      (await run([...img.argv('ffmpeg'), '-nostdin', ...whitelist(input), '-v', 'error', '-i', input, '-map', '0:v', '-f', 'framemd5', '-'])).stdout;
    const frames = await framemd5(plain);
    assert.match(frames, /^0,/m);
    assert.is(await framemd5(served.url), frames);
    assert.ok(served.requests() >= 2, `the reader seeked (${served.requests()} requests)`);
    const partial = await fetch(served.url, { headers: { range: 'bytes=1000-1999' } });
    assert.is(partial.status, 206);
    assert.ok(Buffer.from(await partial.arrayBuffer()).equals(readFileSync(plain).subarray(1000, 2000)));
    assert.is((await fetch(served.url.replace(/\/[0-9a-f]+$/, '/other'))).status, 404, 'only its own path');
    assert.is((await fetch(served.url, { headers: { range: `bytes=${source.size}-` } })).status, 416);
  } finally {
    await served.close();
    await source.close();
  }
});

test('a tampered chunk: the read is cut short, the error reported, no unchecked byte sent', async () => {
  const plain = join(dir, 'bytes.bin');
  const bytes = randomBytes(200 * 1024);
  writeFileSync(plain, bytes);
  const sealed = join(dir, 'bytes.bin.enc');
  await encrypt(plain, sealed, 64 * 1024);
  const damaged = readFileSync(sealed);
  damaged[40 + 2 * (64 * 1024 + 16) + 100]! ^= 0xff; // inside chunk 2
  writeFileSync(sealed, damaged);
  const source = await encryptedFileSource(sealed, key, keyId);
  const errors: unknown[] = [];
  const served = await serveRanges(source, (err) => errors.push(err));
  try {
    const res = await fetch(served.url);
    assert.is(res.status, 200);
    const got: Buffer[] = [];
    try {
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) got.push(Buffer.from(c));
      assert.unreachable('the body must not end normally');
    } catch (err) {
      assert.not.instance(err, assert.Assertion);
    }
    const body = Buffer.concat(got);
    assert.ok(body.length <= 2 * 64 * 1024, `only the checked chunks before it were sent (${body.length} bytes)`);
    assert.ok(body.equals(bytes.subarray(0, body.length)));
    assert.is((errors[0] as { code?: string }).code, 'OBJECT_TAMPERED');
    // A range that stays in the good chunks still reads.
    const early = await fetch(served.url, { headers: { range: 'bytes=0-999' } });
    assert.ok(Buffer.from(await early.arrayBuffer()).equals(bytes.subarray(0, 1000)));
  } finally {
    await served.close();
    await source.close();
  }
});

test.run();

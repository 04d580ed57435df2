import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { encoderEnvironment } from '../../src/images/encoder-env.js';
import type { EncoderProcess } from '../../src/images/encoder-process.js';
import { auditVerificationFailure, importImage } from '../../src/image-catalog/image-catalog.js';
import { imageIdOf } from '../../src/images/image-manifest.js';
import type { TrustedKeys } from '../../src/signing/trusted-keys.js';
import { openVerifiedImage, spawnVerified } from '../../src/images/verified-spawn.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { gpgVerify, requireGpg } from '../helpers/gpg.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';

let store: SqliteStore;
let trust: TrustedKeys;
let imagesDir = '';
let ref = { id: '', dir: '' };

function collect(proc: EncoderProcess): { stderr: () => string } {
  let err = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => (err += d));
  proc.stdout.resume();
  return { stderr: () => err };
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const slowLavfi = ['-hide_banner', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '60', '-f', 'null', '-'];

test.before(async () => {
  const source = await signedImageCopy();
  trust = source.trust;
  store = new SqliteStore({ path: join(tempDir(), 'mpegflow.db') });
  imagesDir = join(tempDir(), 'images');
  const { image } = await importImage({ store, imagesDir, trust, from: source.dir, actor: 'test' });
  ref = { id: image.id, dir: image.path };
});

test.after(async () => {
  await store.close();
});

test('import copies a real signed image into <images>/<id> and it verifies; id = sha256 of manifest.json', async () => {
  assert.is(ref.dir, join(imagesDir, ref.id));
  assert.is(imageIdOf(readFileSync(join(ref.dir, 'manifest.json'))), ref.id);
  const record = await store.images.get(ref.id);
  assert.is(record?.state, 'verified');
  assert.is(record?.name, 'debian-ffmpeg-7.1');
  assert.match(record?.version ?? '', /^7\.1\./);
  assert.is((await store.images.default())?.id, ref.id);
  const opened = await openVerifiedImage(ref, trust);
  assert.is(opened.id, ref.id);
  assert.is(opened.signedBy, trust.keys[0]?.fingerprint);
  const events = await store.audit.list({ type: 'encoder_image.imported' });
  assert.is(events.length, 1);
  assert.is((events[0]?.payload as { imageId: string }).imageId, ref.id);
  const again = await importImage({ store, imagesDir, trust, from: ref.dir, actor: 'test' });
  assert.ok(again.alreadyImported, 're-import is idempotent');
});

test('argv is recorded; -nostdin first; -protocol_whitelist before every -i; ffmpeg itself refuses http://', async () => {
  const proc = await spawnVerified(ref, trust, {
    binary: 'ffmpeg',
    args: ['-hide_banner', '-f', 'lavfi', '-i', 'anullsrc', '-i', 'http://127.0.0.1:1/x', '-t', '1', '-f', 'null', '-'],
  });
  const out = collect(proc);
  const exit = await proc.exited;
  const manifest = JSON.parse(readFileSync(join(ref.dir, 'manifest.json'), 'utf8')) as { run: { libraryPath: string[] } };
  assert.equal(proc.argv.slice(0, 5), [
    join(ref.dir, 'lib/ld-linux-x86-64.so.2'),
    '--library-path',
    manifest.run.libraryPath.map((d) => join(ref.dir, d)).join(':'),
    join(ref.dir, 'bin/ffmpeg'),
    '-nostdin',
  ]);
  const inputs = proc.argv.flatMap((a, i) => (a === '-i' ? [i] : []));
  assert.is(inputs.length, 2);
  for (const i of inputs) assert.equal(proc.argv.slice(i - 2, i), ['-protocol_whitelist', 'file,pipe'], `before -i at ${i}`);
  assert.is.not(exit.code, 0);
  assert.match(out.stderr(), /Protocol 'http' not on whitelist 'file,pipe'/);
  assert.is(proc.imageId, ref.id);

  const probe = await spawnVerified(ref, trust, { binary: 'ffprobe', args: ['-v', 'error', 'http://127.0.0.1:1/y'] });
  const probeOut = collect(probe);
  await probe.exited;
  assert.equal(probe.argv.slice(4, 6), ['-protocol_whitelist', 'file,pipe'], 'ffprobe: before its input');
  assert.not.ok(probe.argv.includes('-nostdin'));
  assert.match(probeOut.stderr(), /not on whitelist/);

  // The loopback range server of an encrypted object (exactly that shape) is opened with http,tcp, for that input alone.
  const rangeUrl = `http://127.0.0.1:1/${'ab'.repeat(16)}`;
  const ranged = await spawnVerified(ref, trust, {
    binary: 'ffmpeg',
    args: ['-i', rangeUrl, '-i', `http://10.0.0.1:1/${'ab'.repeat(16)}`, '-f', 'null', '-'],
  });
  const rangedOut = collect(ranged);
  await ranged.exited;
  const at = ranged.argv.indexOf(rangeUrl);
  assert.equal(ranged.argv.slice(at - 3, at), ['-protocol_whitelist', 'http,tcp', '-i']);
  assert.equal(ranged.argv.slice(at + 1, at + 4), ['-protocol_whitelist', 'file,pipe', '-i'], 'any other URL keeps file,pipe');
  assert.not.match(rangedOut.stderr(), /not on whitelist 'http,tcp'/);
  assert.match(rangedOut.stderr(), /Connection refused|Error opening input/);

  try {
    await spawnVerified(ref, trust, { binary: 'ffmpeg', args: ['-protocol_whitelist', 'http,file', '-i', 'x'] });
    assert.unreachable('caller-set whitelist accepted');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'ENCODER_ARGS_INVALID', (err as Error).message);
  }
});

test('pinned with taskset, scrubbed environment, own process group; kill() kills the group', async () => {
  const proc = await spawnVerified(ref, trust, { binary: 'ffmpeg', args: slowLavfi, cpus: [0] });
  collect(proc);
  assert.equal(proc.argv.slice(0, 3), ['/usr/bin/taskset', '-c', '0']);
  // taskset execs the image's loader in place (same pid): wait for that exec.
  await waitFor(() => readlinkSync(`/proc/${proc.pid}/exe`) === join(ref.dir, 'lib/ld-linux-x86-64.so.2'));
  const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  assert.match(status, /^Cpus_allowed_list:\s+0$/m);
  const environ = Object.fromEntries(
    readFileSync(`/proc/${proc.pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  assert.equal(environ, encoderEnvironment(ref.dir));
  assert.is(environ.GCONV_PATH, join(ref.dir, 'lib/gconv'));
  assert.not.ok('LD_LIBRARY_PATH' in environ || 'LD_PRELOAD' in environ);
  const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
  const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  assert.is(pgrp, proc.pid, 'leader of its own process group');
  proc.kill('SIGKILL');
  const exit = await proc.exited;
  assert.is(exit.signal, 'SIGKILL');
  assert.throws(() => process.kill(-proc.pid, 0), /ESRCH/, 'no process of the group is left');
});

test('one flipped byte of bin/ffmpeg: spawn refused with ENCODER_UNVERIFIED and audited; restored: runs again', async () => {
  const ok = await spawnVerified(ref, trust, { binary: 'ffmpeg', args: ['-version'] });
  collect(ok);
  assert.is((await ok.exited).code, 0);
  const path = join(ref.dir, 'bin/ffmpeg');
  const original = readFileSync(path);
  const flipped = Buffer.from(original);
  flipped[4096] = (flipped[4096] ?? 0) ^ 0xff;
  writeFileSync(path, flipped);
  try {
    await spawnVerified(ref, trust, { binary: 'ffmpeg', args: ['-version'] }, { onVerificationFailed: (f) => auditVerificationFailure(store, f, 'test') });
    assert.unreachable('modified binary spawned');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'ENCODER_UNVERIFIED', (err as Error).message);
    assert.match(err.message, /sha256 of bin\/ffmpeg is [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(modified\)/);
  }
  const events = await store.audit.list({ type: 'encoder_image.verification_failed' });
  assert.is(events.length, 1);
  assert.equal((events[0]?.payload as { stage: string; imageId: string }).stage, 'spawn');
  assert.is((events[0]?.payload as { imageId: string }).imageId, ref.id);
  assert.is((await store.images.get(ref.id))?.state, 'unverified');
  assert.is(await store.images.default(), undefined, 'an unverified image is never the default');
  writeFileSync(path, original);
  const again = await spawnVerified(ref, trust, { binary: 'ffmpeg', args: ['-version'] });
  collect(again);
  assert.is((await again.exited).code, 0);
});

test('a key that is not trusted: refused at spawn', async () => {
  const other = await signedImageCopy();
  try {
    await spawnVerified(ref, other.trust, { binary: 'ffprobe', args: ['-version'] });
    assert.unreachable('untrusted signature accepted');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'ENCODER_UNVERIFIED');
    assert.match(err.message, /manifest\.json signature: signed by a key that is not trusted/);
  }
});

test('the manifest signature verifies with GnuPG 2.2 (gpg --verify)', () => {
  if (process.env['CI'] === 'true' || process.env['MPEGFLOW_REQUIRE_GPG'] !== '0') requireGpg();
  const key = trust.keys[0];
  assert.ok(key);
  const r = gpgVerify(key.armored, readFileSync(join(ref.dir, 'manifest.json')), readFileSync(join(ref.dir, 'manifest.json.asc'), 'utf8'));
  assert.ok(r.ok, r.output);
  assert.match(r.output, /Good signature/);
});

test.run();

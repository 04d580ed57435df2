import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { importImage } from '../../src/image-catalog/image-catalog.js';
import { parseImageManifest } from '../../src/images/image-manifest.js';
import { loadTrustedKeys, type TrustedKeys } from '../../src/signing/trusted-keys.js';
import { generateSigningKey, signDetached, type SigningKey } from '../../src/signing/openpgp-keys.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';

let store: SqliteStore;
let key: SigningKey;
let trust: TrustedKeys;
let dir = ''; // one private copy, changed and restored by each test
let imagesDir = '';

const sign = (k: SigningKey) =>
  signDetached(k.privateArmored, readFileSync(join(dir, 'manifest.json'))).then((s) => writeFileSync(join(dir, 'manifest.json.asc'), s));

/** Applies `change`, expects the import to be refused with `reason`, audited, nothing registered; then `undo`. */
async function refused(change: () => void | Promise<void>, reason: RegExp, undo: () => void | Promise<void>): Promise<void> {
  const before = (await store.audit.list({ type: 'encoder_image.verification_failed' })).length;
  await change();
  try {
    await importImage({ store, imagesDir, trust, from: dir, actor: 'test' });
    assert.unreachable('import accepted');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'ENCODER_UNVERIFIED', (err as Error).message);
    assert.match(err.message, reason);
  } finally {
    await undo();
  }
  const events = await store.audit.list({ type: 'encoder_image.verification_failed' });
  assert.is(events.length, before + 1, 'refusal audited');
  const payload = events.at(-1)?.payload as { stage: string; reason: string };
  assert.is(payload.stage, 'import');
  assert.match(payload.reason, reason);
  assert.equal(await store.images.list({ includeRemoved: true }), [], 'nothing registered');
  assert.equal(readdirSync(imagesDir), [], 'nothing copied into the catalog');
}

test.before(async () => {
  const source = await testImage();
  dir = join(tempDir('mpegflow-image-'), 'image');
  cpSync(source.dir, dir, { recursive: true, preserveTimestamps: true });
  key = await generateSigningKey({ name: 'test catalog key' });
  const keysDir = tempDir();
  writeFileSync(join(keysDir, 'catalog.asc'), key.publicArmored);
  trust = await loadTrustedKeys([keysDir, join(keysDir, 'missing')]);
  await sign(key);
  store = new SqliteStore({ path: join(tempDir(), 'mpegflow.db') });
  imagesDir = join(tempDir(), 'images');
  mkdirSync(imagesDir);
});

test.after(async () => {
  await store.close();
});

test('an unsigned manifest is refused', async () => {
  const sig = readFileSync(join(dir, 'manifest.json.asc'));
  await refused(
    () => unlinkSync(join(dir, 'manifest.json.asc')),
    /manifest\.json is unsigned \(no manifest\.json\.asc\)/,
    () => writeFileSync(join(dir, 'manifest.json.asc'), sig),
  );
});

test('a signature by a key that is not trusted is refused', async () => {
  const sig = readFileSync(join(dir, 'manifest.json.asc'));
  const stranger = await generateSigningKey({ name: 'stranger' });
  await refused(
    () => sign(stranger),
    /manifest\.json signature: signed by a key that is not trusted/,
    () => writeFileSync(join(dir, 'manifest.json.asc'), sig),
  );
});

test('a manifest changed after signing is refused', async () => {
  const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
  await refused(
    () => writeFileSync(join(dir, 'manifest.json'), manifest.replace('"debian-ffmpeg-7.1"', '"debian-ffmpeg-7.2"')),
    /manifest\.json signature: signature does not verify/,
    () => writeFileSync(join(dir, 'manifest.json'), manifest),
  );
});

test('a modified binary or library is refused', async () => {
  for (const file of ['bin/ffprobe', 'lib/libavcodec.so.61']) {
    const original = readFileSync(join(dir, file));
    const changed = Buffer.from(original);
    changed[changed.length - 10] = (changed[changed.length - 10] ?? 0) ^ 1;
    await refused(
      () => writeFileSync(join(dir, file), changed),
      new RegExp(`sha256 of ${file.replace(/\./g, '\\.')} is [0-9a-f]{64}, the manifest says [0-9a-f]{64} \\(modified\\)`),
      () => writeFileSync(join(dir, file), original),
    );
  }
});

test('a missing file is refused', async () => {
  const original = readFileSync(join(dir, 'lib/libz.so.1'));
  await refused(
    () => unlinkSync(join(dir, 'lib/libz.so.1')),
    /missing file lib\/libz\.so\.1/,
    () => writeFileSync(join(dir, 'lib/libz.so.1'), original, { mode: 0o644 }),
  );
});

test('a symlink pointing out of the image, or any extra symlink or file, is refused', async () => {
  const evil = join(dir, 'lib', 'libevil.so.1');
  await refused(
    () => symlinkSync('/etc/passwd', evil),
    /symlink lib\/libevil\.so\.1 points outside the image \(-> \/etc\/passwd\)/,
    () => unlinkSync(evil),
  );
  await refused(
    () => symlinkSync('../../../../../../etc/passwd', evil),
    /points outside the image/,
    () => unlinkSync(evil),
  );
  await refused(
    () => symlinkSync('libz.so.1', evil),
    /unexpected symlink lib\/libevil\.so\.1/,
    () => unlinkSync(evil),
  );
  await refused(
    () => writeFileSync(evil, 'x'),
    /unexpected file lib\/libevil\.so\.1 \(not in manifest\.json\)/,
    () => rmSync(evil),
  );
});

test('a manifest listing a path with .. (or an absolute path) is refused, even when signed by a trusted key', async () => {
  const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  const sig = readFileSync(join(dir, 'manifest.json.asc'));
  const restore = () => {
    writeFileSync(join(dir, 'manifest.json'), text);
    writeFileSync(join(dir, 'manifest.json.asc'), sig);
  };
  for (const [bad, why] of [
    ['lib/../../outside.so', /unsafe path "lib\/\.\.\/\.\.\/outside\.so": holds \.\./],
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', /unsafe path "\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6": is absolute/],
  ] as const) {
    const manifest = JSON.parse(text) as { files: Array<{ path: string }> };
    (manifest.files[0] as { path: string }).path = bad;
    await refused(
      async () => {
        writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        await sign(key);
      },
      why,
      restore,
    );
  }
  assert.ok(parseImageManifest(Buffer.from(text)).ok, 'the real manifest parses');
});

test('after all that, the untouched image imports', async () => {
  const { image } = await importImage({ store, imagesDir, trust, from: dir, actor: 'test' });
  assert.is(image.state, 'verified');
  assert.equal(readdirSync(imagesDir), [image.id]);
});

test.run();

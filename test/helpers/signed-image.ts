import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRef } from '../../src/images/encoder-process.js';
import { imageIdOf } from '../../src/images/image-manifest.js';
import type { TrustedKeys } from '../../src/signing/trusted-keys.js';
import { generateSigningKey, signDetached } from '../../src/signing/openpgp-keys.js';
import { testImage } from './ffmpeg-image.js';
import { tempDir } from './temp-dir.js';

/** A private copy of the real FFmpeg image, signed by a fresh key that is the only trusted one. */
export async function signedImageCopy(): Promise<{ ref: ImageRef; trust: TrustedKeys; dir: string }> {
  const source = await testImage();
  const dir = join(tempDir('mpegflow-image-'), 'image');
  cpSync(source.dir, dir, { recursive: true, preserveTimestamps: true });
  const key = await generateSigningKey({ name: 'test image signer' });
  const manifest = readFileSync(join(dir, 'manifest.json'));
  writeFileSync(join(dir, 'manifest.json.asc'), await signDetached(key.privateArmored, manifest));
  return {
    dir,
    ref: { id: imageIdOf(manifest), dir },
    trust: { keys: [{ fingerprint: key.fingerprint, source: 'test', armored: key.publicArmored }] },
  };
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';
import type { EncoderImageRecord, Store } from '../store/store.js';
import type { DebianLock } from '../image-build/lock.js';
import type { EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { importImage } from './image-catalog.js';
import { MANIFEST_FILE } from '../images/image-manifest.js';
import { lockMismatch } from '../image-build/lock-match.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';

/** Where an offline bundle puts its encoder images (signed by the release key, which `images/keys/` trusts). */
export const bundledImagesDir: string = join(packageRoot, 'images', 'bundled');

/**
 * Imports the offline bundle's image of the committed lock, if the install has one
 * (`<packageRoot>/images/bundled/<name>/`): verified against the trusted keys and copied
 * into `<data>/images/` like any import. Returns null when there is none.
 */
export async function importBundledImage(o: {
  store: Store;
  dataDir: string;
  trust: TrustedKeys;
  actor: string;
  lock: DebianLock;
  progress: (line: string) => void;
}): Promise<EncoderImageRecord | null> {
  if (!existsSync(bundledImagesDir)) return null;
  for (const name of readdirSync(bundledImagesDir).sort()) {
    const dir = join(bundledImagesDir, name);
    const manifestPath = join(dir, MANIFEST_FILE);
    if (!existsSync(manifestPath)) continue;
    if (lockMismatch(JSON.parse(readFileSync(manifestPath, 'utf8')) as EncoderImageManifest, o.lock) !== null) continue;
    const { image } = await importImage({
      store: o.store,
      imagesDir: join(o.dataDir, 'images'),
      trust: o.trust,
      from: dir,
      actor: o.actor,
      note: { bundled: true },
    });
    o.progress(`Encoder image: ${image.name} ffmpeg ${image.version} imported from the offline bundle as ${image.id}`);
    return image;
  }
  return null;
}

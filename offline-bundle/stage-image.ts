import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../src/image-build/build-image.js';
import type { EncoderImageManifest } from '../src/images/encoder-image-manifest.js';
import { defaultLockPath, RECIPE_NAME } from '../src/image-build/recipe.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../src/images/image-manifest.js';
import { signDetachedAt, type ReleaseKey } from './release-key.js';
import { buildHostFromEnv } from '../src/config/build-host.js';

/** The default encoder image the bundle carries, as it is installed: `app/images/bundled/<name>/`. */
export interface StagedImage {
  id: string;
  name: string;
  version: string;
  path: string;
}

/**
 * The FFmpeg 7.1 image of the committed lock (built once per lock into the cache, from
 * the build host's Debian mirror), copied into `app/images/bundled/<recipe>/` with its
 * manifest signed by the release key. The appliance trusts the release key
 * (`images/keys/release.pub.asc`), so `mpegflow start` imports this image instead of
 * downloading anything.
 */
export async function stageEncoderImage(appDir: string, cacheDir: string, key: ReleaseKey, epoch: number, log: (line: string) => void): Promise<StagedImage> {
  const lockHash = createHash('sha256').update(readFileSync(defaultLockPath)).digest('hex').slice(0, 16);
  const cached = join(cacheDir, `image-${RECIPE_NAME}-${lockHash}`);
  if (!existsSync(join(cached, MANIFEST_FILE))) {
    const tmp = `${cached}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    await buildImage({
      host: buildHostFromEnv(process.env),
      outDir: tmp,
      onProgress: (line) => log(`encoder image: ${line}`),
    });
    renameSync(tmp, cached);
  }
  const rel = `images/bundled/${RECIPE_NAME}`;
  const to = join(appDir, rel);
  cpSync(cached, to, { recursive: true });
  rmSync(join(to, SIGNATURE_FILE), { force: true });
  const manifestBytes = readFileSync(join(to, MANIFEST_FILE));
  writeFileSync(join(to, SIGNATURE_FILE), await signDetachedAt(key, manifestBytes, epoch), { mode: 0o644 });
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as EncoderImageManifest;
  if (readdirSync(to).length < 3) throw new Error(`image ${to} is incomplete`);
  return { id: createHash('sha256').update(manifestBytes).digest('hex'), name: manifest.name, version: manifest.ffmpeg.version, path: `app/${rel}` };
}

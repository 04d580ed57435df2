import type { EncoderImageManifest } from '../images/encoder-image-manifest.js';
import type { DebianLock } from './lock.js';
import { RECIPE_FFMPEG_SERIES, RECIPE_NAME } from './recipe.js';

/** Why a manifest is not what the lock builds, or null when it is: the recipe's name, the 7.1 series, only locked packages. */
export function lockMismatch(manifest: EncoderImageManifest, lock: DebianLock): string | null {
  if (manifest.name !== RECIPE_NAME) return `name ${manifest.name} is not ${RECIPE_NAME}`;
  if (!manifest.ffmpeg.version.startsWith(`${RECIPE_FFMPEG_SERIES}.`)) return `ffmpeg ${manifest.ffmpeg.version} is not ${RECIPE_FFMPEG_SERIES}.x`;
  if (manifest.source.kind !== 'debian') return 'not built from Debian packages';
  if (manifest.source.suite !== lock.suite || manifest.source.arch !== lock.arch)
    return `built from ${manifest.source.suite}/${manifest.source.arch}, the lock is ${lock.suite}/${lock.arch}`;
  const locked = new Map(lock.packages.map((p) => [p.name, p]));
  for (const pkg of manifest.source.packages) {
    const l = locked.get(pkg.name);
    if (!l || l.version !== pkg.version || l.sha256 !== pkg.sha256 || l.size !== pkg.size || l.filename !== pkg.filename) {
      return `package ${pkg.name} ${pkg.version} is not the locked one`;
    }
  }
  if (!manifest.source.packages.some((p) => p.name === 'ffmpeg')) return 'no ffmpeg package';
  return null;
}

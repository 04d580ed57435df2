import type { BuildHost } from '../config/build-host.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError, isApplianceError, messageOf } from '../errors/appliance-error.js';
import type { EncoderImageRecord, Store } from '../store/store.js';
import { buildImage } from '../image-build/build-image.js';
import { findDebianMirror } from '../image-build/host-mirror.js';
import { readLock } from '../image-build/lock.js';
import { lockMismatch } from '../image-build/lock-match.js';
import type { EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { defaultLockPath, RECIPE_NAME } from '../image-build/recipe.js';
import { importImage } from './image-catalog.js';
import { signImageManifest } from '../images/image-signing.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import { importBundledImage } from './bundled-image.js';

export interface ProductionImageOptions {
  store: Store;
  /** `<data>`: the build works in `<data>/scratch`, caches .debs in `<data>/cache/debs`, imports into `<data>/images`. */
  dataDir: string;
  /** The appliance's own signing key (`<data>/secrets/audit-key.asc`), which signs the built manifest. */
  signingKeyPath: string;
  trust: TrustedKeys;
  /** Mirror (MPEGFLOW_DEBIAN_MIRROR; unset: the host's apt sources), keyring, tool PATH: the config's `buildHost`. */
  buildHost: BuildHost;
  lockPath?: string;
  actor: string;
  /** One line per step. */
  progress: (line: string) => void;
}

export type ProductionImageResult =
  { ok: true; image: EncoderImageRecord; built: boolean; ms: number; bytes: number } | { ok: false; offline: boolean; reason: string };

export const debCacheDirOf = (dataDir: string): string => join(dataDir, 'cache', 'debs');

const OFFLINE_CODES = new Set(['DEBIAN_MIRROR_UNREACHABLE', 'DEBIAN_MIRROR_UNKNOWN', 'DEBIAN_PACKAGE_MISSING']);

/**
 * Makes sure the catalog holds a verified image of the committed lock: if none is
 * registered, builds it (src/image-build/), checks it against the lock, signs its
 * manifest with the appliance's own key and imports it into `<data>/images/<id>/`.
 * Never throws for a build problem: the result says why (and the failure is audited).
 */
export async function ensureProductionImage(options: ProductionImageOptions): Promise<ProductionImageResult> {
  const { store, actor, progress } = options;
  const started = Date.now();
  const lockPath = options.lockPath ?? defaultLockPath;
  const lock = await readLock(lockPath);
  for (const record of await store.images.list()) {
    if (record.state === 'verified' && lockMismatch(JSON.parse(record.manifest) as EncoderImageManifest, lock) === null) {
      return { ok: true, image: record, built: false, ms: 0, bytes: 0 };
    }
  }
  // An offline bundle carries the image, signed by its release key: imported, never downloaded.
  const bundled = await importBundledImage({ store, dataDir: options.dataDir, trust: options.trust, actor, lock, progress });
  if (bundled) return { ok: true, image: bundled, built: false, ms: Date.now() - started, bytes: 0 };
  const scratch = join(options.dataDir, 'scratch');
  const work = await mkdtemp(join(scratch, 'image-build-'));
  try {
    const mirror = findDebianMirror(options.buildHost.debianMirror);
    progress(
      `Encoder image: building ${RECIPE_NAME} from the committed lock (${lock.packages.length} Debian ${lock.release.version} packages from ${mirror}); first start only`,
    );
    const built = await buildImage({
      lockPath,
      outDir: join(work, 'image'),
      cacheDir: debCacheDirOf(options.dataDir),
      host: options.buildHost,
      mirror,
      onProgress: (line) => progress(`Encoder image: ${line}`),
    });
    const mismatch = lockMismatch(built.manifest, lock);
    if (mismatch) throw new ApplianceError('IMAGE_BUILD_FAILED', `the built image does not match the lock: ${mismatch}`);
    await signImageManifest(built.outDir, await readFile(options.signingKeyPath, 'utf8'));
    const { image } = await importImage({
      store,
      imagesDir: join(options.dataDir, 'images'),
      trust: options.trust,
      from: built.outDir,
      actor,
      move: true,
      note: { built: { lock: lockPath, release: lock.release.version, downloaded: built.stats.downloaded, ms: built.stats.ms.total } },
    });
    progress(
      `Encoder image: ${image.name} ffmpeg ${image.version} imported as ${image.id} (${(built.stats.imageBytes / 2 ** 20).toFixed(1)} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return { ok: true, image, built: true, ms: Date.now() - started, bytes: built.stats.imageBytes };
  } catch (err) {
    const offline = isApplianceError(err) && OFFLINE_CODES.has(err.code);
    const reason = `${isApplianceError(err) ? `${err.code}: ` : ''}${messageOf(err)}`;
    await store.change(async (tx) => {
      await tx.audit({ type: 'encoder_image.build_failed', actor, payload: { recipe: RECIPE_NAME, lock: lockPath, offline, reason } });
    });
    return { ok: false, offline, reason };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

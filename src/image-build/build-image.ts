import type { BuildHost } from '../config/build-host.js';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { createLimiter } from '../signed-tree/limiter.js';
import { fetchVerifiedDeb } from './deb-cache.js';
import { unpackDeb } from './deb-unpack.js';
import { readImageVersion } from './ffmpeg-version.js';
import { findDebianMirror } from './host-mirror.js';
import { assertImageSelfContained } from './image-check.js';
import { IMAGE_GCONV_DIR, IMAGE_LOADER, imageLibraryPath, planImage, writeImageFiles } from './image-layout.js';
import { resolveStageClosure, type StageClosure } from './library-closure.js';
import { readLock, type LockedPackage } from './lock.js';
import { formatManifest, type DebianImageManifest, type EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { defaultLockPath, RECIPE_BINARIES, RECIPE_FFMPEG_SERIES, RECIPE_NAME } from './recipe.js';
import { buildStageTree, resolveInStage, type StageTree } from './stage-tree.js';

export interface BuildImageOptions {
  /** Default: images/recipes/debian-ffmpeg-7.1/lock.json. */
  lockPath?: string;
  /** Created; must not exist or be empty. The image is assembled next to it and renamed into place. */
  outDir: string;
  /** Verified .deb cache; default `<os tmpdir>/mpegflow-deb-cache`. */
  cacheDir?: string;
  /** Mirror, tool PATH (the config's `buildHost`). */
  host: BuildHost;
  /** Mirror root URL; default the host's (MPEGFLOW_DEBIAN_MIRROR or its apt sources). */
  mirror?: string;
  /** Parallel downloads (default 6). */
  downloads?: number;
  /** One-line progress messages. */
  onProgress?: (message: string) => void;
}

export interface BuildImageResult {
  outDir: string;
  manifest: DebianImageManifest;
  /** Extra library dirs the build had to add, and what they fixed. */
  addedLibraryDirs: StageClosure['addedDirs'];
  stats: {
    packages: number;
    downloaded: number;
    downloadedBytes: number;
    imageBytes: number;
    files: number;
    ms: { fetchAndUnpack: number; prune: number; total: number };
  };
}

export const defaultDebCacheDir = (): string => join(tmpdir(), 'mpegflow-deb-cache');

const LOADER_CANDIDATES = ['usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'usr/lib64/ld-linux-x86-64.so.2', 'lib64/ld-linux-x86-64.so.2'];

async function assertEmptyOrMissing(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new ApplianceError('IMAGE_BUILD_FAILED', `cannot use output dir ${dir}: ${err.message}`, { cause: err });
  });
  if (entries.length > 0) throw new ApplianceError('IMAGE_BUILD_FAILED', `output dir ${dir} is not empty`, { details: { outDir: dir } });
}

/**
 * glibc's iconv modules from the loader's package (`<multiarch dir>/gconv/`, libc6), to
 * be shipped as lib/gconv: without them, glibc dlopens the host's modules (built for
 * another glibc) for e.g. `-sub_charenc`.
 */
async function planGconv(tree: StageTree, loaderDir: string): Promise<Array<{ path: string; from: string }>> {
  const base = posix.join(loaderDir, 'gconv');
  const files: Array<{ path: string; from: string }> = [];
  for (const rel of [...tree.owners.keys()].sort()) {
    if (!rel.startsWith(`${base}/`)) continue;
    const real = await resolveInStage(tree.root, rel);
    if (real === null) continue; // a dangling link or a directory entry
    files.push({ path: posix.join(IMAGE_GCONV_DIR, rel.slice(base.length + 1)), from: real });
  }
  if (!files.some((file) => file.path === `${IMAGE_GCONV_DIR}/gconv-modules`)) {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `no ${base}/gconv-modules in the unpacked packages`);
  }
  return files;
}

/** Downloads (or takes from the cache) and unpacks every locked .deb; downloads and unpacking overlap. */
async function fetchAndUnpack(
  packages: readonly LockedPackage[],
  unpackRoot: string,
  options: { mirror: string; cacheDir: string; downloads: number; toolPath: string; onProgress: (message: string) => void },
): Promise<{ unpacked: Map<string, string>; downloaded: number; downloadedBytes: number }> {
  const abort = new AbortController();
  const download = createLimiter(options.downloads);
  const unpack = createLimiter(Math.max(2, availableParallelism()));
  const unpacked = new Map<string, string>();
  let firstError: unknown = null;
  let downloaded = 0;
  let downloadedBytes = 0;
  const skipIfAborted = (): void => {
    if (abort.signal.aborted) throw new Error('skipped after an earlier failure');
  };
  const one = async (pkg: LockedPackage): Promise<void> => {
    const deb = await download(() => {
      skipIfAborted();
      return fetchVerifiedDeb(pkg, { mirror: options.mirror, cacheDir: options.cacheDir, signal: abort.signal });
    });
    if (deb.downloaded) {
      downloaded += 1;
      downloadedBytes += pkg.size;
    }
    const dir = join(unpackRoot, pkg.name);
    await unpack(() => {
      skipIfAborted();
      return unpackDeb(deb.path, dir, options.toolPath);
    });
    unpacked.set(pkg.name, dir);
    if (unpacked.size % 40 === 0 || unpacked.size === packages.length) {
      options.onProgress(`fetched and unpacked ${unpacked.size}/${packages.length} packages`);
    }
  };
  await Promise.all(
    packages.map((pkg) =>
      one(pkg).catch((err: unknown) => {
        if (!abort.signal.aborted) {
          firstError = err; // the cause; later failures are fallout of the abort
          abort.abort();
        }
      }),
    ),
  );
  if (abort.signal.aborted) throw firstError;
  return { unpacked, downloaded, downloadedBytes };
}

/**
 * Builds the relocatable FFmpeg image from the lock: fetch + verify each .deb, unpack
 * them all into a private stage, keep only ffmpeg, ffprobe, the loader and the
 * libraries they load (checked with the image's own loader to resolve nothing outside
 * the image), and write a deterministic manifest.json. Nothing is installed on the host.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const started = Date.now();
  const onProgress = options.onProgress ?? ((): void => {});
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `the ${RECIPE_NAME} image is built on linux x64 only`);
  }
  const lockPath = options.lockPath ?? defaultLockPath;
  const lock = await readLock(lockPath);
  if (lock.arch !== 'amd64') throw new ApplianceError('IMAGE_BUILD_FAILED', `lock arch ${lock.arch} is not amd64`);
  const outDir = resolve(options.outDir);
  await assertEmptyOrMissing(outDir);
  const mirror = options.mirror ?? findDebianMirror(options.host.debianMirror);
  const cacheDir = resolve(options.cacheDir ?? defaultDebCacheDir());

  await mkdir(dirname(outDir), { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'mpegflow-image-build-'));
  const partial = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.partial-`));
  let finished = false;
  try {
    onProgress(`${lock.packages.length} packages from ${mirror} (cache ${cacheDir})`);
    const fetched = await fetchAndUnpack(lock.packages, join(work, 'unpacked'), {
      mirror,
      cacheDir,
      downloads: options.downloads ?? 6,
      toolPath: options.host.toolPath,
      onProgress,
    });
    const fetchedAt = Date.now();

    const tree = await buildStageTree(join(work, 'stage'), fetched.unpacked);
    let loaderReal: string | null = null;
    for (const candidate of LOADER_CANDIDATES) {
      loaderReal = await resolveInStage(tree.root, candidate);
      if (loaderReal !== null) break;
    }
    if (loaderReal === null) throw new ApplianceError('IMAGE_BUILD_FAILED', 'no ld-linux-x86-64.so.2 in the unpacked packages');
    const binaries: Record<string, string> = {};
    for (const [name, packaged] of Object.entries(RECIPE_BINARIES)) {
      const real = await resolveInStage(tree.root, packaged);
      if (real === null) throw new ApplianceError('IMAGE_BUILD_FAILED', `${packaged} is not in the unpacked packages`);
      binaries[name] = real;
    }
    const closure = await resolveStageClosure(tree, loaderReal, Object.values(binaries));
    for (const added of closure.addedDirs) onProgress(`library path += ${added.dir} (for ${added.forSoname}, which resolved to ${added.before})`);

    const gconv = await planGconv(tree, posix.dirname(loaderReal));
    const plan = planImage(tree, closure, loaderReal, binaries, gconv);
    const files = await writeImageFiles(tree.root, partial, plan);
    const run: EncoderImageManifest['run'] = {
      loader: IMAGE_LOADER,
      libraryPath: imageLibraryPath(plan),
      binaries: { ffmpeg: 'bin/ffmpeg', ffprobe: 'bin/ffprobe' },
    };
    await assertImageSelfContained(partial, run);
    const ffmpeg = await readImageVersion(partial, run, 'ffmpeg', RECIPE_FFMPEG_SERIES);
    await readImageVersion(partial, run, 'ffprobe', RECIPE_FFMPEG_SERIES);

    const owners = new Set(plan.map((file) => file.owner));
    const manifest: DebianImageManifest = {
      schema: 'mpegflow.encoder-image/1',
      name: RECIPE_NAME,
      ffmpeg,
      run,
      source: {
        kind: 'debian',
        suite: lock.suite,
        arch: lock.arch,
        packages: lock.packages.filter((pkg) => owners.has(pkg.name)),
      },
      files,
    };
    const text = formatManifest(manifest);
    await writeFile(join(partial, 'manifest.json'), text, { mode: 0o644 });
    await rmdir(outDir).catch(() => undefined);
    await rename(partial, outDir);
    finished = true;
    const ended = Date.now();
    onProgress(`image ${outDir}: ${files.length} files, ${manifest.source.packages.length} packages, ${(ended - started) / 1000}s`);
    return {
      outDir,
      manifest: JSON.parse(text) as DebianImageManifest,
      addedLibraryDirs: closure.addedDirs,
      stats: {
        packages: lock.packages.length,
        downloaded: fetched.downloaded,
        downloadedBytes: fetched.downloadedBytes,
        imageBytes: files.reduce((sum, file) => sum + file.size, 0),
        files: files.length,
        ms: { fetchAndUnpack: fetchedAt - started, prune: ended - fetchedAt, total: ended - started },
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (!finished) await rm(partial, { recursive: true, force: true });
  }
}

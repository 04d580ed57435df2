import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { createLimiter } from '../signed-tree/limiter.js';
import { copyFileHashed } from '../hashing/file-sha256.js';
import { MULTIARCH_LIB_DIRS, type StageClosure } from './library-closure.js';
import { IMAGE_GCONV_DIR, type EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { formatMode } from '../signed-tree/tree-path.js';
import type { StageTree } from './stage-tree.js';

/** Where the image keeps its loader. */
export const IMAGE_LOADER = 'lib/ld-linux-x86-64.so.2';

export { IMAGE_GCONV_DIR };

/** One file to copy from the stage into the image. */
export interface ImageFilePlan {
  /** Image-relative path (posix). */
  path: string;
  /** Stage-relative path of the regular file to copy. */
  from: string;
  /** Package that shipped `from`. */
  owner: string;
}

/** Image dir for a stage library dir: `usr/lib/x86_64-linux-gnu[/sub]` → `lib[/sub]`. */
export function imageLibraryDir(stageDir: string): string {
  for (const base of MULTIARCH_LIB_DIRS) {
    if (stageDir === base) return 'lib';
    if (stageDir.startsWith(`${base}/`)) return posix.join('lib', stageDir.slice(base.length + 1));
  }
  throw new ApplianceError('IMAGE_BUILD_FAILED', `library dir ${stageDir} is outside ${MULTIARCH_LIB_DIRS.join(' / ')}`);
}

/**
 * The image's files: the binaries under bin/, the loader, and each library the
 * binaries load under the soname the loader opened, in the lib/ folder matching its
 * stage dir. Symlinks are replaced by the file they point to.
 */
export function planImage(
  tree: StageTree,
  closure: StageClosure,
  loaderReal: string,
  binaries: Readonly<Record<string, string>>,
  extra: ReadonlyArray<{ path: string; from: string }> = [],
): ImageFilePlan[] {
  const plan = new Map<string, ImageFilePlan>();
  const add = (path: string, from: string): void => {
    const owner = tree.owners.get(from);
    if (owner === undefined) throw new ApplianceError('IMAGE_BUILD_FAILED', `no package owns ${from}`);
    if (path.split('/').includes('..') || path.startsWith('/')) throw new ApplianceError('IMAGE_BUILD_FAILED', `unsafe image path ${path}`);
    const previous = plan.get(path);
    if (previous && previous.from !== from) {
      throw new ApplianceError('IMAGE_BUILD_FAILED', `image path ${path} would hold both ${previous.from} and ${from}`);
    }
    plan.set(path, { path, from, owner });
  };
  for (const [name, from] of Object.entries(binaries)) add(posix.join('bin', name), from);
  add(IMAGE_LOADER, loaderReal);
  for (const library of closure.libraries) {
    add(posix.join(imageLibraryDir(posix.dirname(library.openedAs)), posix.basename(library.openedAs)), library.realPath);
  }
  for (const file of extra) add(file.path, file.from);
  return [...plan.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The image's library path: `lib` first, then the other lib folders that hold files, sorted. */
export function imageLibraryPath(plan: readonly ImageFilePlan[]): string[] {
  const dirs = new Set(
    plan.filter((file) => file.path.startsWith('lib/') && !file.path.startsWith(`${IMAGE_GCONV_DIR}/`)).map((file) => posix.dirname(file.path)),
  );
  dirs.delete('lib');
  return ['lib', ...[...dirs].sort()];
}

/**
 * Copies the planned files into `imageDir` (which must be empty), hashing while
 * copying. Modes are normalised: 0755 if the packaged file had any execute bit, else 0644.
 */
export async function writeImageFiles(stageRoot: string, imageDir: string, plan: readonly ImageFilePlan[]): Promise<EncoderImageManifest['files']> {
  const limit = createLimiter(4);
  return Promise.all(
    plan.map((file) =>
      limit(async () => {
        const from = join(stageRoot, file.from);
        const to = join(imageDir, file.path);
        const mode = ((await stat(from)).mode & 0o111) !== 0 ? 0o755 : 0o644;
        await mkdir(dirname(to), { recursive: true });
        const { sha256, size } = await copyFileHashed(from, to, mode);
        await chmod(to, mode);
        return { path: file.path, size, sha256, mode: formatMode(mode) };
      }),
    ),
  );
}

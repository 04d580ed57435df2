import { realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { listLoadedObjects, type LoadedObject } from './loader-list.js';
import { resolveInStage, type StageTree } from './stage-tree.js';

/** Stage dirs whose libraries (and sub-folders) may go into the image's lib/. */
export const MULTIARCH_LIB_DIRS: readonly string[] = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'];

/** One shared object a binary loads, as found in the stage. */
export interface StageLibrary {
  /** The soname asked for. */
  name: string;
  /** Stage-relative path the loader opened (`<library dir>/<soname>`, often a symlink). */
  openedAs: string;
  /** Stage-relative path of the regular file behind it. */
  realPath: string;
}

export interface StageClosure {
  /** Stage-relative library dirs, in search order: the multiarch dir, then the sub-folders that had to be added. */
  libraryDirs: string[];
  /** Why each extra dir was added: the soname that was missing or leaked to the host. */
  addedDirs: Array<{ dir: string; forSoname: string; before: string }>;
  /** Every shared object of every binary, deduplicated by soname, sorted by soname. */
  libraries: StageLibrary[];
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Stage-relative path of an absolute path that the loader opened, or null if it lies (or links) outside the stage. */
async function stageRelative(root: string, path: string): Promise<string | null> {
  if (!inside(root, path)) return null;
  const real = await realpath(path).catch(() => null);
  if (!real || !inside(root, real)) return null;
  return path.slice(root.length).replace(/^\/+/, '');
}

function describe(object: LoadedObject): string {
  return `${object.name} => ${object.path ?? 'not found'}`;
}

/**
 * Finds every shared object the binaries load using the stage's own loader, starting
 * with the multiarch dir on the library path. Whenever a soname is not found or
 * resolves outside the stage (the host's libraries: dpkg-deb -x runs no
 * update-alternatives, so e.g. libblas.so.3 is only in blas/, and libpulse's RUNPATH
 * names the host's pulseaudio/), the one stage sub-folder that ships that soname is
 * appended to the library path and the listing is repeated. Fails if a soname cannot
 * be found inside the stage.
 */
export async function resolveStageClosure(tree: StageTree, loaderRel: string, binaries: readonly string[]): Promise<StageClosure> {
  const root = await realpath(tree.root);
  const dirs: string[] = [MULTIARCH_LIB_DIRS[0] as string];
  const addedDirs: StageClosure['addedDirs'] = [];
  for (let round = 0; round < 32; round += 1) {
    const found = new Map<string, StageLibrary>();
    const bad: LoadedObject[] = [];
    for (const binary of binaries) {
      const objects = await listLoadedObjects(
        join(root, loaderRel),
        dirs.map((dir) => join(root, dir)),
        join(root, binary),
      );
      for (const object of objects) {
        if (object.interpreter) continue;
        const rel = object.path === null ? null : await stageRelative(root, object.path);
        if (rel === null) {
          bad.push(object);
          continue;
        }
        const realPath = await resolveInStage(root, rel);
        if (realPath === null) throw new ApplianceError('IMAGE_BUILD_FAILED', `${describe(object)} is not a regular file in the stage`);
        found.set(object.name, { name: object.name, openedAs: rel, realPath });
      }
    }
    if (bad.length === 0) {
      const libraries = [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { libraryDirs: dirs, addedDirs, libraries };
    }
    let progressed = false;
    for (const object of bad) {
      const candidateDirs = new Set<string>();
      for (const path of tree.byBasename.get(object.name) ?? []) {
        const dir = posix.dirname(path);
        if (dirs.includes(dir) || !MULTIARCH_LIB_DIRS.some((base) => dir.startsWith(`${base}/`))) continue;
        if ((await resolveInStage(root, path)) !== null) candidateDirs.add(dir);
      }
      if (candidateDirs.size > 1) {
        throw new ApplianceError('IMAGE_LIBRARY_LEAK', `${object.name} is shipped in several stage dirs (${[...candidateDirs].join(', ')}); cannot choose`, {
          details: { soname: object.name, dirs: [...candidateDirs] },
        });
      }
      const [dir] = candidateDirs;
      if (dir !== undefined && !dirs.includes(dir)) {
        dirs.push(dir);
        addedDirs.push({ dir, forSoname: object.name, before: object.path ?? 'not found' });
        progressed = true;
      }
    }
    if (!progressed) {
      throw new ApplianceError('IMAGE_LIBRARY_LEAK', `libraries resolve outside the image: ${bad.map(describe).join('; ')}`, {
        details: { unresolved: bad.map((object) => ({ name: object.name, path: object.path })) },
      });
    }
  }
  throw new ApplianceError('IMAGE_LIBRARY_LEAK', 'library path did not converge');
}

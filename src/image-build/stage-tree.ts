import { link, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';

/** The top-level trees of the unpacked packages that can hold programs or libraries. */
export const STAGE_PREFIXES: readonly string[] = ['usr/bin', 'usr/lib', 'usr/lib64', 'bin', 'lib', 'lib64'];

/**
 * All unpacked packages overlaid in one tree (hard links and re-created symlinks, as
 * dpkg would have installed them minus maintainer scripts), with who shipped what.
 */
export interface StageTree {
  root: string;
  /** Stage-relative path (posix, no leading slash) of each file or symlink → package that shipped it. */
  owners: Map<string, string>;
  /** File or symlink basename → stage-relative paths that carry it, in sorted order. */
  byBasename: Map<string, string[]>;
}

async function overlay(fromDir: string, toDir: string, rel: string, pkg: string, tree: StageTree): Promise<void> {
  const entries = await readdir(join(fromDir, rel), { withFileTypes: true }).catch(() => null);
  if (!entries) return;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const entryRel = posix.join(rel, entry.name);
    const from = join(fromDir, entryRel);
    const to = join(toDir, entryRel);
    if (entry.isDirectory()) {
      const existing = await lstat(to).catch(() => null);
      if (existing && !existing.isDirectory()) {
        throw new ApplianceError('IMAGE_BUILD_FAILED', `${pkg} ships directory ${entryRel} where ${tree.owners.get(entryRel)} ships a file`);
      }
      if (!existing) await mkdir(to);
      await overlay(fromDir, toDir, entryRel, pkg, tree);
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const previous = tree.owners.get(entryRel);
    if (previous !== undefined) {
      throw new ApplianceError('IMAGE_BUILD_FAILED', `${entryRel} is shipped by both ${previous} and ${pkg}`, { details: { path: entryRel } });
    }
    if (entry.isFile()) await link(from, to);
    else await symlink(await readlink(from), to);
    tree.owners.set(entryRel, pkg);
    const list = tree.byBasename.get(entry.name);
    if (list) list.push(entryRel);
    else tree.byBasename.set(entry.name, [entryRel]);
  }
}

/**
 * Overlays each package's unpacked tree (`unpacked` maps package name → its dpkg-deb -x
 * dir) into `root`, in package-name order, keeping only STAGE_PREFIXES.
 */
export async function buildStageTree(root: string, unpacked: ReadonlyMap<string, string>): Promise<StageTree> {
  const tree: StageTree = { root, owners: new Map(), byBasename: new Map() };
  await mkdir(root, { recursive: true });
  const names = [...unpacked.keys()].sort();
  for (const pkg of names) {
    const dir = unpacked.get(pkg) as string;
    for (const prefix of STAGE_PREFIXES) {
      const top = await lstat(join(dir, prefix)).catch(() => null);
      if (!top) continue;
      if (top.isDirectory()) {
        await mkdir(join(root, prefix), { recursive: true });
        await overlay(dir, root, prefix, pkg, tree);
      }
    }
  }
  return tree;
}

/**
 * Follows symlinks inside the stage as if it were `/` (absolute targets re-rooted).
 * Returns the stage-relative path of the regular file, or null if it is missing,
 * not a regular file, or the links loop.
 */
export async function resolveInStage(root: string, rel: string): Promise<string | null> {
  let pending = rel.split('/').filter((part) => part !== '' && part !== '.');
  const done: string[] = [];
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = join(root, ...done, part);
    const info = await lstat(here).catch(() => null);
    if (!info) return null;
    if (info.isSymbolicLink()) {
      hops += 1;
      if (hops > 40) return null;
      const target = await readlink(here);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
      continue;
    }
    done.push(part);
    if (pending.length > 0 && !info.isDirectory()) return null;
    if (pending.length === 0 && !info.isFile()) return null;
  }
  return done.length > 0 ? done.join('/') : null;
}

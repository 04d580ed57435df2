import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';

/** One entry of an image folder as found on disk (lstat: links are not followed). */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  ino: number;
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  /** For a symlink: its target as written. */
  target?: string;
}

/** Every entry under `root` (not `root` itself), sorted by path. */
export async function walkTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(rel ? join(root, rel) : root);
    for (const name of entries.sort()) {
      const path = rel ? posix.join(rel, name) : name;
      const full = join(root, path);
      const st = await lstat(full, { bigint: false });
      const kind: TreeEntry['kind'] = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      const entry: TreeEntry = { path, kind, ino: st.ino, size: st.size, mode: st.mode, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
      if (kind === 'symlink') entry.target = await readlink(full);
      out.push(entry);
      if (kind === 'dir') await visit(path);
    }
  };
  await visit('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** True when a symlink at image path `path` with `target` resolves (lexically) outside `root`. */
export function symlinkEscapes(root: string, path: string, target: string): boolean {
  const base = resolve(root);
  const to = target.startsWith('/') ? resolve(target) : resolve(base, posix.dirname(path), target);
  return to !== base && !to.startsWith(base + sep);
}

/**
 * A digest of the tree's metadata (path, kind, inode, size, mode, mtime, ctime of every
 * entry): equal digests mean no file was replaced, rewritten, touched or chmod-ed.
 */
export function treeFingerprint(entries: readonly TreeEntry[], extra = ''): string {
  const hash = createHash('sha256').update(extra).update('\n');
  for (const e of entries) hash.update(`${e.path}\0${e.kind}\0${e.ino}\0${e.size}\0${e.mode}\0${e.mtimeMs}\0${e.ctimeMs}\0${e.target ?? ''}\n`);
  return hash.digest('hex');
}

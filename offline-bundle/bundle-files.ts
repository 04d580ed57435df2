import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every regular file under `root`, as sorted posix paths relative to it; a symlink or other special file is an error. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(root, p).split(sep).join('/'));
      else throw new Error(`bundle tree holds ${st.isSymbolicLink() ? 'a symlink' : 'a special file'}: ${p}`);
    }
  };
  walk(root);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Normalises modes so the tar does not depend on the build host's umask: folders 0755,
 * files 0755 when any execute bit is set, else 0644 (the image's own modes, which its
 * signed manifest records, are 0755/0644 too).
 */
export function normaliseModes(root: string): void {
  const walk = (dir: string): void => {
    chmodSync(dir, 0o755);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
    }
  };
  walk(root);
}

/** Writes `SHA256SUMS` (sha256sum format, sorted by path) of every file under `root` except itself. */
export function writeSha256Sums(root: string): number {
  const files = listFiles(root).filter((f) => f !== 'SHA256SUMS');
  writeFileSync(join(root, 'SHA256SUMS'), files.map((f) => `${fileSha256(join(root, f))}  ${f}\n`).join(''), { mode: 0o644 });
  return files.length;
}

/** Drops every `.bin` folder of node_modules (symlinks to package scripts the appliance never runs): the bundle holds regular files only. */
export function dropBinLinks(nodeModules: string): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === '.bin') rmSync(p, { recursive: true, force: true });
      else if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(nodeModules);
}

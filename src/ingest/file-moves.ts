import { constants, type Stats } from 'node:fs';
import { link, lstat, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** lstat, or undefined when nothing is there. Never follows a symlink. */
export async function lstatOrNone(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** A free name in `dir`: `name`, else `<id>-name`, else `<id>-<n>-name`. */
async function freeName(dir: string, name: string, id: string): Promise<string> {
  if (!(await lstatOrNone(join(dir, name)))) return name;
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? `${id}-${name}` : `${id}-${n}-${name}`;
    if (!(await lstatOrNone(join(dir, candidate)))) return candidate;
  }
}

/**
 * Moves `from` into `dir` (same filesystem: a rename, which moves a link itself and never
 * follows it) under a free name, never replacing a file. Returns the name used.
 */
export async function moveInto(from: string, dir: string, name: string, id: string): Promise<string> {
  const target = await freeName(dir, name, id);
  await rename(from, join(dir, target));
  return target;
}

/**
 * Writes `<dir>/<name>.error.json` (or a free variant) so that it appears whole: written to a
 * dotfile with O_CREAT|O_EXCL|O_NOFOLLOW (never follows or replaces anything, a planted
 * symlink included), then hard-linked to its name (link never replaces either), then the
 * dotfile is removed.
 */
export async function writeErrorFile(dir: string, name: string, id: string, body: Record<string, unknown>): Promise<string> {
  const staging = join(dir, `.${id}.error.json.tmp`);
  await writeFile(staging, `${JSON.stringify(body, null, 2)}\n`, {
    flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode: 0o640,
  });
  try {
    for (;;) {
      const target = await freeName(dir, `${name}.error.json`, id);
      try {
        await link(staging, join(dir, target));
        return target;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}

/**
 * Moves `from` to exactly `to` (same filesystem) without ever replacing anything there: a hard
 * link, then the old name removed. False (and nothing moved) when `to` is taken.
 */
export async function moveToFreeName(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  await unlink(from);
  return true;
}

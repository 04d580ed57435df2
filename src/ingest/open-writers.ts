import { readdir, readFile, readlink } from 'node:fs/promises';

/** Which of some files a process holds open for writing (side effect behind a small adapter). */
export interface OpenWriters {
  /** The subset of `paths` (absolute, symlink-free) that some process has open with write access. */
  openForWriting(paths: readonly string[]): Promise<Set<string>>;
}

const O_ACCMODE = 0o3;

/**
 * Linux: every `/proc/<pid>/fd/<n>` link whose target is one of the paths and whose
 * `/proc/<pid>/fdinfo/<n>` flags have O_WRONLY or O_RDWR. Processes whose fds cannot be read
 * (another user's, when not root) are not seen: run the appliance as the user that owns the
 * copies, or as root.
 */
export function procOpenWriters(procRoot = '/proc'): OpenWriters {
  return {
    async openForWriting(paths) {
      const wanted = new Set(paths);
      const found = new Set<string>();
      if (wanted.size === 0) return found;
      let pids: string[];
      try {
        pids = (await readdir(procRoot)).filter((p) => /^\d+$/.test(p));
      } catch {
        return found;
      }
      await Promise.all(
        pids.map(async (pid) => {
          let fds: string[];
          try {
            fds = await readdir(`${procRoot}/${pid}/fd`);
          } catch {
            return; // gone, or not ours to read
          }
          for (const fd of fds) {
            let target: string;
            try {
              target = await readlink(`${procRoot}/${pid}/fd/${fd}`);
            } catch {
              continue;
            }
            if (target.endsWith(' (deleted)')) target = target.slice(0, -' (deleted)'.length);
            if (!wanted.has(target) || found.has(target)) continue;
            try {
              const info = await readFile(`${procRoot}/${pid}/fdinfo/${fd}`, 'utf8');
              const flags = /^flags:\s*([0-7]+)/m.exec(info);
              if (flags && (parseInt(flags[1]!, 8) & O_ACCMODE) !== 0) found.add(target);
            } catch {
              continue;
            }
          }
        }),
      );
      return found;
    },
  };
}

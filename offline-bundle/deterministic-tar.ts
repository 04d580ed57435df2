import { run } from './run.js';

/**
 * Writes `tarPath` from `dir/<top>` with GNU tar so the bytes depend only on the files'
 * contents, names and modes: sorted names, one fixed mtime, owner and group 0 (numeric),
 * no atime/ctime, hard links stored as files.
 */
export function writeDeterministicTar(dir: string, top: string, tarPath: string, mtimeEpoch: number): void {
  run(
    'tar',
    [
      '--create',
      `--file=${tarPath}`,
      `--directory=${dir}`,
      '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      '--sort=name',
      `--mtime=@${mtimeEpoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--hard-dereference',
      top,
    ],
    { env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } },
  );
}

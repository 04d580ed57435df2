import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `work` on a freshly mounted 2 MiB tmpfs (a disk that fills), unmounted after. Without
 * the right to mount it warns and skips — under CI=true that is a failure, not a skip.
 */
export async function onSmallDisk(work: (mnt: string) => Promise<void>): Promise<void> {
  const mnt = mkdtempSync(join(tmpdir(), 'mpegflow-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs for the disk-full test: ${(err as Error).message}`, { cause: err });
    console.warn(`!!! disk-full test SKIPPED: mount failed (${(err as Error).message.split('\n')[0]})`);
    await rm(mnt, { recursive: true, force: true });
    return;
  }
  try {
    await work(mnt);
  } finally {
    execFileSync('umount', [mnt], { stdio: 'pipe' });
    await rm(mnt, { recursive: true, force: true });
  }
}

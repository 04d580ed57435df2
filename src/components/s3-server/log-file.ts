import { open, rename, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** A log over this size is moved to `<log>.1` (replacing the previous one) at the next launch. */
export const LOG_ROTATE_BYTES = 32 * 1024 * 1024;

/**
 * Opens the server's log for appending (mode 0640), after rotating it once if it grew past
 * LOG_ROTATE_BYTES, and writes a header line. Returns the handle (its fd becomes the child's
 * stdout and stderr) and the offset where this launch's output starts.
 */
export async function openLaunchLog(path: string, header: string): Promise<{ handle: FileHandle; offset: number }> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size > LOG_ROTATE_BYTES) await rename(path, `${path}.1`);
  const handle = await open(path, 'a', 0o640);
  await handle.write(`\n--- ${new Date().toISOString()} ${header}\n`);
  const offset = (await handle.stat()).size;
  return { handle, offset };
}

/** The last `lines` lines written to the log since `offset` (at most 16 KiB read). */
export async function logTail(path: string, offset: number, lines = 30): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const size = (await handle.stat()).size;
    const from = Math.max(offset, size - 16384);
    const buffer = Buffer.alloc(Math.max(0, size - from));
    await handle.read(buffer, 0, buffer.length, from);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((l, i, a) => l !== '' || i < a.length - 1)
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

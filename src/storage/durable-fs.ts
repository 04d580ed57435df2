import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes the whole buffer (fs writes may be partial). */
export async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** fsync of a directory, so that a rename or a new entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a small file durably: temp file in `tmpDir` (same filesystem), fsync, rename over `target`. */
export async function writeFileDurable(target: string, data: string | Buffer, tmpPath: string): Promise<void> {
  const fh = await open(tmpPath, 'wx', 0o640);
  try {
    await writeAll(fh, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmpPath, target);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeadRecord } from './head-record.js';

/**
 * The external head sink (config `auditHeads.sink`): a write-once folder on another volume.
 * Each signed head becomes its own file, created exclusively and never written again, so a
 * WORM mount or a folder the appliance may only create files in holds them.
 */

const SINK_NAME = /^audit-head-([A-Za-z0-9_-]{1,64})-(\d{10})\.line$/;

export function sinkFileName(record: Pick<HeadRecord, 'log' | 'n'>): string {
  return `audit-head-${record.log}-${String(record.n).padStart(10, '0')}.line`;
}

/** Writes one head line as a new file in the sink (fails if it exists), fsynced with its folder. */
export function writeSinkHead(dir: string, record: Pick<HeadRecord, 'log' | 'n'>, line: string): void {
  const path = join(dir, sinkFileName(record));
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o440);
  try {
    writeSync(fd, Buffer.from(line, 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Every head file in the sink, in (log, n) order, as one text of lines; null when the folder cannot be read. */
export async function readSinkText(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const heads = names
    .map((name) => ({ name, m: SINK_NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => (a.m[1]! === b.m[1]! ? a.m[2]!.localeCompare(b.m[2]!) : a.m[1]!.localeCompare(b.m[1]!)));
  let text = '';
  for (const { name } of heads) {
    const line = await readFile(join(dir, name), 'utf8');
    text += line.endsWith('\n') ? line : `${line}\n`;
  }
  return text;
}

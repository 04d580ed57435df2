import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { splitHeadLog } from './head-record.js';

/**
 * The head log on disk (`<data>/audit-heads.log`): only ever appended to, each line written
 * with one write() and fsynced; nothing here rewrites or truncates it.
 */

export const HEAD_LOG_NAME = 'audit-heads.log';

/** The log's text, or null when there is no such file. */
export async function readHeadLogText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function fsyncDir(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends one line durably (O_APPEND, one write, fsync; the folder too when the file is new). */
export function appendHeadLine(path: string, line: string): void {
  let created = false;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL, 0o640);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
  }
  try {
    writeSync(fd, Buffer.from(line, 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) fsyncDir(path);
}

/**
 * Copies the log's complete lines (a line being appended right now is left out) into a new
 * file `to` (a staging name: a leftover there is replaced). Returns the number of lines copied, or null when there is no log.
 */
export async function copyCompleteLines(from: string, to: string): Promise<{ records: number } | null> {
  const text = await readHeadLogText(from);
  if (text === null) return null;
  const { lines } = splitHeadLog(text);
  await rm(to, { force: true }); // a leftover of a backup cut short
  await writeFile(to, lines.map((l) => `${l}\n`).join(''), { flag: 'wx', mode: 0o640 });
  return { records: lines.length };
}

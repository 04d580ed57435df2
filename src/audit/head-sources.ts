import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeadSourceText } from './head-log-check.js';
import { readHeadLogText } from './head-log-file.js';
import { readSinkText } from './head-sink.js';

/** A backup's copy of the head log sits beside it: `mpegflow-<time>.db` → `mpegflow-<time>.heads.log`. */
export function backupHeadsPath(backupDbPath: string): string {
  return `${backupDbPath.replace(/\.db(\.sealed)?$/, '')}.heads.log`;
}

const BACKUP_HEADS = /^mpegflow-\d{8}T\d{9}Z\.heads\.log$/;

/** Every place on this host that holds signed heads: the data dir's log, each backup's copy, the sink. */
export async function applianceHeadSources(paths: { headLog: string; backupsDir: string; sink: string | null }): Promise<HeadSourceText[]> {
  const sources: HeadSourceText[] = [];
  const log = await readHeadLogText(paths.headLog);
  if (log !== null) sources.push({ name: paths.headLog, text: log, whole: true, gapsAllowed: false });
  const names = await readdir(paths.backupsDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => BACKUP_HEADS.test(n)).sort()) {
    const path = join(paths.backupsDir, name);
    const text = await readHeadLogText(path);
    if (text !== null) sources.push({ name: path, text, whole: true, gapsAllowed: false });
  }
  if (paths.sink) {
    const text = await readSinkText(paths.sink);
    if (text !== null) sources.push({ name: `${paths.sink} (sink)`, text, whole: false, gapsAllowed: true });
  }
  return sources;
}

/** A file of heads an auditor kept (`--heads FILE`): any excerpt of head logs, or sink files concatenated. */
export async function auditorHeadSource(path: string): Promise<HeadSourceText> {
  return { name: `--heads ${path}`, text: await readFile(path, 'utf8'), whole: false, gapsAllowed: true };
}

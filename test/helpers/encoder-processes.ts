import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Live (not zombie) processes whose executable lies under `<dataDir>/images/`: the encoders an appliance started. */
export function encoderProcesses(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.startsWith(join(dataDir, 'images')) && !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A read-only query on `<dataDir>/mpegflow.db` (the server may be running: WAL readers do not block it). */
export function queryDb<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'mpegflow.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

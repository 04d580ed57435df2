import { desc, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { AuditExportRecord } from '../store.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

/** Export checkpoints (append-only: triggers refuse UPDATE and DELETE). */
export function insertAuditExport(w: Db, record: AuditExportRecord): void {
  w.insert(schema.auditExports).values(record).run();
}

export function auditExportReads(r: Db) {
  return {
    latest: async (): Promise<AuditExportRecord | null> =>
      r.select().from(schema.auditExports).orderBy(desc(sql`rowid`)).limit(1).get() ?? null,
    list: async (): Promise<AuditExportRecord[]> => r.select().from(schema.auditExports).orderBy(sql`rowid`).all(),
  };
}

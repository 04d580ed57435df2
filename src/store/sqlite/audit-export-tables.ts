import { desc, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { AuditExportRecord } from '../store.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

/**
 * Export checkpoints (append-only: triggers refuse UPDATE and DELETE). Inside the write
 * transaction the newest checkpoint must still be the one the bundle names as previous:
 * two exports made at once (the server and the CLI) can never both extend the same one.
 */
export function insertAuditExport(w: Db, record: AuditExportRecord): void {
  const latest = w
    .select({ id: schema.auditExports.id })
    .from(schema.auditExports)
    .orderBy(desc(sql`rowid`))
    .limit(1)
    .get();
  if ((latest?.id ?? null) !== record.previousId) {
    throw new ApplianceError(
      'EXPORT_CHECKPOINT_MOVED',
      `another export (${latest?.id}) was recorded while ${record.id} was written; its previous checkpoint is stale`,
      {},
    );
  }
  w.insert(schema.auditExports).values(record).run();
}

export function auditExportReads(r: Db) {
  return {
    latest: async (): Promise<AuditExportRecord | null> =>
      r
        .select()
        .from(schema.auditExports)
        .orderBy(desc(sql`rowid`))
        .limit(1)
        .get() ?? null,
    list: async (): Promise<AuditExportRecord[]> =>
      r
        .select()
        .from(schema.auditExports)
        .orderBy(sql`rowid`)
        .all(),
  };
}

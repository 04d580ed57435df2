import { asc, desc } from 'drizzle-orm';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { AuditExportRecord } from '../store.js';
import { first, type TableDb } from './table-db.js';

// Checkpoints are ordered by the head they certify: each export appends `audit.exported` after
// its head, so a later checkpoint always certifies a later head (a total order on both dialects).
const newestFirst = ({ t }: TableDb) => [desc(t.auditExports.headSeq), desc(t.auditExports.createdAt)];

/**
 * Export checkpoints (append-only: triggers refuse UPDATE and DELETE). Inside the write
 * transaction the newest checkpoint must still be the one the bundle names as previous:
 * two exports made at once (the server and the CLI) can never both extend the same one.
 */
export async function insertAuditExport(w: TableDb, record: AuditExportRecord): Promise<void> {
  const { db, t } = w;
  const latest = await first(
    db
      .select({ id: t.auditExports.id })
      .from(t.auditExports)
      .orderBy(...newestFirst(w))
      .limit(1),
  );
  if ((latest?.id ?? null) !== record.previousId) {
    throw new ApplianceError(
      'EXPORT_CHECKPOINT_MOVED',
      `another export (${latest?.id}) was recorded while ${record.id} was written; its previous checkpoint is stale`,
      {},
    );
  }
  await db.insert(t.auditExports).values(record);
}

export function auditExportReads(r: TableDb) {
  const { db, t } = r;
  return {
    latest: async (): Promise<AuditExportRecord | null> =>
      (await first(
        db
          .select()
          .from(t.auditExports)
          .orderBy(...newestFirst(r))
          .limit(1),
      )) ?? null,
    list: (): Promise<AuditExportRecord[]> => db.select().from(t.auditExports).orderBy(asc(t.auditExports.headSeq), asc(t.auditExports.createdAt)),
  };
}

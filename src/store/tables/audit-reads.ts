import { and, asc, desc, eq, gt, gte, isNotNull, lte, max, min, type SQL } from 'drizzle-orm';
import type { StoredEvent } from '../audit-chain.js';
import type { AuditEvent, AuditQuery, Store } from '../store.js';
import { first, type TableDb, type Tables } from './table-db.js';

export function toEvent(row: Tables['auditEvents']['$inferSelect']): StoredEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    job_id: row.jobId,
    type: row.type,
    payload: JSON.parse(row.payload) as unknown,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

/** The audit reads both dialects answer with the same queries (streaming reads are each driver's). */
export function auditReads({ db, t }: TableDb): Omit<Store['audit'], 'iterate' | 'iterateLines' | 'verify'> {
  const a = t.auditEvents;
  return {
    head: async () => (await first(db.select({ seq: a.seq, hash: a.hash }).from(a).orderBy(desc(a.seq)).limit(1))) ?? null,
    list: async (query: AuditQuery = {}): Promise<AuditEvent[]> => {
      const conditions: SQL[] = [];
      if (query.jobId !== undefined) conditions.push(eq(a.jobId, query.jobId));
      if (query.type !== undefined) conditions.push(eq(a.type, query.type));
      if (query.afterSeq !== undefined) conditions.push(gt(a.seq, query.afterSeq));
      const rows = await db
        .select()
        .from(a)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(asc(a.seq))
        .limit(Math.min(query.limit ?? 1000, 10000));
      return rows.map(toEvent);
    },
    latest: async (type) => {
      const row = await first(db.select().from(a).where(eq(a.type, type)).orderBy(desc(a.seq)).limit(1));
      return row ? toEvent(row) : null;
    },
    hashOf: async (seq) => (await first(db.select({ hash: a.hash }).from(a).where(eq(a.seq, seq))))?.hash,
    seqBounds: async (query) => {
      const conditions: SQL[] = [];
      if (query.jobId !== undefined) conditions.push(eq(a.jobId, query.jobId));
      if (query.from !== undefined) conditions.push(gte(a.at, query.from));
      if (query.to !== undefined) conditions.push(lte(a.at, query.to));
      const row = await first(
        db
          .select({ first: min(a.seq), last: max(a.seq) })
          .from(a)
          .where(conditions.length ? and(...conditions) : undefined),
      );
      return row?.first == null || row.last == null ? null : { first: row.first, last: row.last };
    },
    jobIdsIn: async (range) => {
      const rows = await db
        .selectDistinct({ jobId: a.jobId })
        .from(a)
        .where(and(gte(a.seq, range.fromSeq), lte(a.seq, range.toSeq), isNotNull(a.jobId)))
        .orderBy(asc(a.jobId));
      return rows.map((row) => row.jobId as string);
    },
  };
}

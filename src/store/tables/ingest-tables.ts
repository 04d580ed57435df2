import { and, asc, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { IngestPatch, IngestReads, IngestRecord, IngestState, IngestWrites, NewIngest } from '../ingests.js';
import { first, type TableDb, type Tables } from './table-db.js';

const toIngest = (row: Tables['ingests']['$inferSelect']): IngestRecord => ({ ...row, state: row.state as IngestState });

/** Ingest writes inside a transaction; `touch` marks that state was written. */
export function ingestWrites({ db, t }: TableDb, nowIso: () => string, touch: () => void): IngestWrites {
  return {
    insert: async (i: NewIngest) => {
      touch();
      const at = nowIso();
      await db.insert(t.ingests).values({ size: null, errorCode: null, errorMessage: null, ...i, createdAt: at, updatedAt: at });
    },
    update: async (id: string, patch: IngestPatch) => {
      touch();
      await db
        .update(t.ingests)
        .set({ ...patch, updatedAt: nowIso() })
        .where(eq(t.ingests.id, id));
    },
  };
}

/** Ingest reads (the reader connection). */
export function ingestReads({ db, t }: TableDb): IngestReads {
  const i = t.ingests;
  const one = async (rows: Promise<Tables['ingests']['$inferSelect'][]>) => {
    const row = await first(rows);
    return row ? toIngest(row) : undefined;
  };
  return {
    get: (id) => one(db.select().from(i).where(eq(i.id, id))),
    recent: async (folder, limit) => (await db.select().from(i).where(eq(i.folder, folder)).orderBy(desc(i.createdAt), desc(i.id)).limit(limit)).map(toIngest),
    unfinished: async (folder) =>
      (
        await db
          .select()
          .from(i)
          .where(and(eq(i.folder, folder), inArray(i.state, ['detected', 'claimed', 'submitted'])))
          .orderBy(asc(i.createdAt), asc(i.id))
      ).map(toIngest),
    byFingerprint: (folder, name, fingerprint) =>
      one(
        db
          .select()
          .from(i)
          .where(and(eq(i.folder, folder), eq(i.name, name), eq(i.fingerprint, fingerprint)))
          .orderBy(desc(i.createdAt), desc(i.id))
          .limit(1),
      ),
    submittedWith: (folder, name, sha256) =>
      one(
        db
          .select()
          .from(i)
          .where(and(eq(i.folder, folder), eq(i.name, name), eq(i.sha256, sha256), isNotNull(i.jobId)))
          .orderBy(asc(i.createdAt), asc(i.id))
          .limit(1),
      ),
  };
}

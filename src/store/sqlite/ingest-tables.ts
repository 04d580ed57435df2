import { and, asc, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { IngestPatch, IngestReads, IngestRecord, IngestState, IngestWrites, NewIngest } from '../ingests.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

const toIngest = (row: typeof schema.ingests.$inferSelect): IngestRecord => ({ ...row, state: row.state as IngestState });

/** Ingest writes inside a transaction; `touch` marks that state was written. */
export function ingestWrites(w: Db, nowIso: () => string, touch: () => void): IngestWrites {
  return {
    insert: async (i: NewIngest) => {
      touch();
      const at = nowIso();
      w.insert(schema.ingests)
        .values({ size: null, errorCode: null, errorMessage: null, ...i, createdAt: at, updatedAt: at })
        .run();
    },
    update: async (id: string, patch: IngestPatch) => {
      touch();
      w.update(schema.ingests)
        .set({ ...patch, updatedAt: nowIso() })
        .where(eq(schema.ingests.id, id))
        .run();
    },
  };
}

/** Ingest reads (the reader connection). */
export function ingestReads(r: Db): IngestReads {
  const t = schema.ingests;
  return {
    get: async (id) => {
      const row = r.select().from(t).where(eq(t.id, id)).get();
      return row ? toIngest(row) : undefined;
    },
    recent: async (folder, limit) => r.select().from(t).where(eq(t.folder, folder)).orderBy(desc(t.createdAt), desc(t.id)).limit(limit).all().map(toIngest),
    unfinished: async (folder) =>
      r
        .select()
        .from(t)
        .where(and(eq(t.folder, folder), inArray(t.state, ['detected', 'claimed', 'submitted'])))
        .orderBy(asc(t.createdAt), asc(t.id))
        .all()
        .map(toIngest),
    byFingerprint: async (folder, name, fingerprint) => {
      const row = r
        .select()
        .from(t)
        .where(and(eq(t.folder, folder), eq(t.name, name), eq(t.fingerprint, fingerprint)))
        .orderBy(desc(t.createdAt), desc(t.id))
        .limit(1)
        .get();
      return row ? toIngest(row) : undefined;
    },
    submittedWith: async (folder, name, sha256) => {
      const row = r
        .select()
        .from(t)
        .where(and(eq(t.folder, folder), eq(t.name, name), eq(t.sha256, sha256), isNotNull(t.jobId)))
        .orderBy(asc(t.createdAt), asc(t.id))
        .limit(1)
        .get();
      return row ? toIngest(row) : undefined;
    },
  };
}

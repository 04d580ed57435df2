import { and, asc, count, eq, gt } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { DataKeyRecord, NewDataKey } from '../store.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

/** Reads of the data-key ring (wrapped per-object keys, docs/at-rest.md). */
export function dataKeyReads(r: Db) {
  return {
    get: async (id: string): Promise<DataKeyRecord | undefined> => r.select().from(schema.dataKeys).where(eq(schema.dataKeys.id, id)).get(),
    countByKek: async (): Promise<Record<string, number>> => {
      const rows = r.select({ kekId: schema.dataKeys.kekId, n: count() }).from(schema.dataKeys).groupBy(schema.dataKeys.kekId).all();
      return Object.fromEntries(rows.map((row) => [row.kekId, row.n]));
    },
    /** Keys wrapped by `kekId`, in id order after `afterId` (rotation pages through them). */
    page: async (kekId: string, afterId: string, limit: number): Promise<DataKeyRecord[]> =>
      r
        .select()
        .from(schema.dataKeys)
        .where(and(eq(schema.dataKeys.kekId, kekId), gt(schema.dataKeys.id, afterId)))
        .orderBy(asc(schema.dataKeys.id))
        .limit(limit)
        .all(),
  };
}

/** A new wrapped key, before its object is written (an object never exists without its key). */
export function insertDataKey(w: Db, record: NewDataKey, at: string): void {
  w.insert(schema.dataKeys)
    .values({ ...record, createdAt: at })
    .run();
}

/** The plaintext sha256 and size, once the object's put has ended. */
export function settleDataKey(w: Db, id: string, sha256: string, size: number): void {
  w.update(schema.dataKeys).set({ sha256, size }).where(eq(schema.dataKeys.id, id)).run();
}

/** Rotation: the same data key, wrapped by another KEK (only if still wrapped by `fromKekId`). */
export function rewrapDataKey(w: Db, id: string, fromKekId: string, to: { kekId: string; wrapped: string }, at: string): boolean {
  const res = w
    .update(schema.dataKeys)
    .set({ kekId: to.kekId, wrapped: to.wrapped, rewrappedAt: at })
    .where(and(eq(schema.dataKeys.id, id), eq(schema.dataKeys.kekId, fromKekId)))
    .run();
  return res.changes === 1;
}

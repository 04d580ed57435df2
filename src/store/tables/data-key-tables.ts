import { and, asc, count, eq, gt } from 'drizzle-orm';
import type { DataKeyRecord, NewDataKey } from '../store.js';
import { first, type TableDb } from './table-db.js';

/** Reads of the data-key ring (wrapped per-object keys, docs/at-rest.md). */
export function dataKeyReads({ db, t }: TableDb) {
  return {
    get: (id: string): Promise<DataKeyRecord | undefined> => first(db.select().from(t.dataKeys).where(eq(t.dataKeys.id, id))),
    countByKek: async (): Promise<Record<string, number>> => {
      const rows = await db.select({ kekId: t.dataKeys.kekId, n: count() }).from(t.dataKeys).groupBy(t.dataKeys.kekId);
      return Object.fromEntries(rows.map((row) => [row.kekId, row.n]));
    },
    /** Keys wrapped by `kekId`, in id order after `afterId` (rotation pages through them). */
    page: (kekId: string, afterId: string, limit: number): Promise<DataKeyRecord[]> =>
      db
        .select()
        .from(t.dataKeys)
        .where(and(eq(t.dataKeys.kekId, kekId), gt(t.dataKeys.id, afterId)))
        .orderBy(asc(t.dataKeys.id))
        .limit(limit),
  };
}

/** A new wrapped key, before its object is written (an object never exists without its key). */
export async function insertDataKey({ db, t }: TableDb, record: NewDataKey, at: string): Promise<void> {
  await db.insert(t.dataKeys).values({ ...record, createdAt: at });
}

/** The plaintext sha256 and size, once the object's put has ended. */
export async function settleDataKey({ db, t }: TableDb, id: string, sha256: string, size: number): Promise<void> {
  await db.update(t.dataKeys).set({ sha256, size }).where(eq(t.dataKeys.id, id));
}

/** Rotation: the same data key, wrapped by another KEK (only if still wrapped by `fromKekId`). */
export async function rewrapDataKey({ db, t }: TableDb, id: string, fromKekId: string, to: { kekId: string; wrapped: string }, at: string): Promise<boolean> {
  const moved = await db
    .update(t.dataKeys)
    .set({ kekId: to.kekId, wrapped: to.wrapped, rewrappedAt: at })
    .where(and(eq(t.dataKeys.id, id), eq(t.dataKeys.kekId, fromKekId)))
    .returning({ id: t.dataKeys.id });
  return moved.length === 1;
}

import { rewrapDataKey } from '../src/at-rest/key-encryption-key.js';
import type { KeySet } from '../src/storage/encrypted-store.js';
import type { Store } from '../src/store/store.js';

export interface RotationReport {
  /** The KEK that now wraps the moved keys. */
  to: string;
  /** Data keys re-wrapped, per KEK they were wrapped by. */
  moved: Record<string, number>;
  /** KEKs still wrapping data keys that are not configured (their objects cannot be read). */
  unavailable: Record<string, number>;
}

const BATCH = 500;

/**
 * Key rotation: every data key wrapped by a configured previous KEK is re-wrapped by the
 * current one — the content is never touched. Batches of 500, each in one transaction with
 * its audit event (`at_rest.data_keys_rewrapped`: from, to, count, the first and last id).
 * Idempotent and resumable: a key another process moved meanwhile is skipped.
 */
export async function rotateDataKeys(
  store: Store,
  keys: KeySet,
  actor: string,
  onBatch: (from: string, done: number) => void = () => undefined,
): Promise<RotationReport> {
  const to = keys.current;
  const moved: Record<string, number> = {};
  const unavailable: Record<string, number> = {};
  const configured = new Set(keys.all.map((k) => k.id));
  for (const [kekId, n] of Object.entries(await store.dataKeys.countByKek())) {
    if (kekId === to.id) continue;
    if (!configured.has(kekId)) {
      unavailable[kekId] = n;
      continue;
    }
    moved[kekId] = 0;
    for (let after = ''; ;) {
      const page = await store.dataKeys.page(kekId, after, BATCH);
      if (page.length === 0) break;
      const rewrapped = await Promise.all(
        page.map(async (row) => ({ row, next: await rewrapDataKey({ kekId, dataKeyId: row.id, wrapped: row.wrapped }, keys.all, to) })),
      );
      const count = await store.change(async (tx) => {
        let n = 0;
        for (const { row, next } of rewrapped) if (await tx.dataKeys.rewrap(row.id, kekId, { kekId: next.kekId, wrapped: next.wrapped })) n += 1;
        await tx.audit({
          type: 'at_rest.data_keys_rewrapped',
          actor,
          payload: { from: kekId, to: to.id, count: n, firstId: page[0]!.id, lastId: page.at(-1)!.id },
        });
        return n;
      });
      moved[kekId] += count;
      onBatch(kekId, moved[kekId]);
      after = page.at(-1)!.id;
    }
  }
  return { to: to.id, moved, unavailable };
}

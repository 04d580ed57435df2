import { eq } from 'drizzle-orm';
import type { StoreTx } from '../store.js';
import { insertAuditExport } from './audit-export-tables.js';
import { rewrapDataKey } from './data-key-tables.js';
import { ingestWrites } from './ingest-tables.js';
import { jobTaskWrites } from './job-tables.js';
import { ladderWrites } from './ladder-tables.js';
import { nodeWrites } from './node-tables.js';
import type { TableDb } from './table-db.js';
import { userWrites } from './user-tables.js';
import { webhookWrites } from './webhook-tables.js';

/**
 * Every write of `StoreTx` but the audit append, on one transaction's connection; `touch`
 * marks that state was written (a change that writes must also audit).
 */
export function storeWrites(w: TableDb, nowIso: () => string, touch: () => void): Omit<StoreTx, 'audit'> {
  const { db, t } = w;
  return {
    ...jobTaskWrites(w, nowIso, touch),
    ...userWrites(w, nowIso, touch),
    tokens: {
      insert: async (token) => {
        touch();
        await db.insert(t.apiTokens).values({
          id: token.id,
          name: token.name,
          role: token.role,
          tokenHash: token.tokenHash,
          userId: token.userId ?? null,
          createdAt: nowIso(),
          expiresAt: token.expiresAt ?? null,
        });
      },
      revoke: async (id, at) => {
        touch();
        await db.update(t.apiTokens).set({ revokedAt: at }).where(eq(t.apiTokens.id, id));
      },
    },
    images: {
      insert: async (image) => {
        touch();
        const row = { ...image, importedAt: nowIso(), removedAt: null };
        await db
          .insert(t.encoderImages)
          .values(row)
          .onConflictDoUpdate({ target: t.encoderImages.id, set: { ...row, id: undefined } });
      },
      setState: async (id, state, at) => {
        touch();
        await db
          .update(t.encoderImages)
          .set(state === 'verified' ? { state, verifiedAt: at } : { state })
          .where(eq(t.encoderImages.id, id));
      },
      markRemoved: async (id, at) => {
        touch();
        await db.update(t.encoderImages).set({ removedAt: at }).where(eq(t.encoderImages.id, id));
      },
    },
    webhooks: webhookWrites(w, nowIso, touch),
    ladders: ladderWrites(w, nowIso, touch),
    nodes: nodeWrites(w, touch),
    ingests: ingestWrites(w, nowIso, touch),
    auditExports: {
      insert: async (record) => {
        touch();
        await insertAuditExport(w, record);
      },
    },
    dataKeys: {
      rewrap: async (id, fromKekId, to) => {
        touch();
        return rewrapDataKey(w, id, fromKekId, to, nowIso());
      },
    },
  };
}

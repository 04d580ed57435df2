import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import type { ApiToken, EncoderImageRecord, EncoderImageState, Role, Store } from '../store.js';
import { auditExportReads } from './audit-export-tables.js';
import { dataKeyReads } from './data-key-tables.js';
import { ingestReads } from './ingest-tables.js';
import { jobTaskReads } from './job-tables.js';
import { dutyLeases, nodeReads } from './node-tables.js';
import { ladderReads } from './ladder-tables.js';
import { first, type TableDb, type Tables } from './table-db.js';
import { userReads } from './user-tables.js';
import { jobsByState, webhookReads } from './webhook-tables.js';

function toToken(row: Tables['apiTokens']['$inferSelect']): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    userId: row.userId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

function toImage(row: Tables['encoderImages']['$inferSelect']): EncoderImageRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    path: row.path,
    manifest: row.manifest,
    state: row.state as EncoderImageState,
    importedAt: row.importedAt,
    verifiedAt: row.verifiedAt,
    removedAt: row.removedAt,
  };
}

/** The reads every dialect answers with the same queries (committed data only). */
export type StoreReads = Pick<Store, 'users' | 'webhooks' | 'ingests' | 'stats' | 'tokens' | 'images' | 'auditExports' | 'nodes' | 'duties' | 'ladders'> & {
  jobs: Store['jobs'];
  tasks: Omit<Store['tasks'], 'renewLease'>;
  sessions: Omit<Store['sessions'], 'touch'>;
  dataKeys: Pick<Store['dataKeys'], 'get' | 'countByKek' | 'page'>;
};

export function storeReads(r: TableDb): StoreReads {
  const { db, t } = r;
  const { jobs, tasks } = jobTaskReads(r);
  const { users, sessions } = userReads(r);
  const images: Store['images'] = {
    list: async (options = {}) =>
      (
        await db
          .select()
          .from(t.encoderImages)
          .where(options.includeRemoved ? undefined : isNull(t.encoderImages.removedAt))
          .orderBy(desc(t.encoderImages.importedAt), asc(t.encoderImages.id))
      ).map(toImage),
    get: async (id) => {
      const row = await first(db.select().from(t.encoderImages).where(eq(t.encoderImages.id, id)));
      return row ? toImage(row) : undefined;
    },
    default: async () => {
      const usable = (await images.list()).filter((image) => image.state === 'verified');
      const fromRecipe = usable.find((image) => (JSON.parse(image.manifest) as { source?: { kind?: string } }).source?.kind === 'debian');
      return fromRecipe ?? usable[0];
    },
    jobsPinning: async (id) => (await first(db.select({ n: count() }).from(t.jobs).where(eq(t.jobs.encoderImage, id))))?.n ?? 0,
  };
  return {
    jobs,
    tasks,
    users,
    sessions,
    tokens: {
      findByHash: async (tokenHash) => {
        const row = await first(db.select().from(t.apiTokens).where(eq(t.apiTokens.tokenHash, tokenHash)));
        return row ? toToken(row) : undefined;
      },
      list: async () => (await db.select().from(t.apiTokens).orderBy(asc(t.apiTokens.createdAt), asc(t.apiTokens.id))).map(toToken),
      countActive: async (role?: Role) => {
        const where = role ? and(isNull(t.apiTokens.revokedAt), eq(t.apiTokens.role, role)) : isNull(t.apiTokens.revokedAt);
        return (await first(db.select({ n: count() }).from(t.apiTokens).where(where)))?.n ?? 0;
      },
    },
    images,
    webhooks: webhookReads(r),
    ingests: ingestReads(r),
    stats: { jobsByState: () => jobsByState(r) },
    dataKeys: dataKeyReads(r),
    auditExports: auditExportReads(r),
    nodes: nodeReads(r),
    ladders: ladderReads(r),
    duties: dutyLeases(r),
  };
}

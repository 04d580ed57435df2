import type Database from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { ApplianceError } from '../../errors/appliance-error.js';
import { canonicalEvent, canonicalJson, chainHash, GENESIS_HASH, verifyChain, type StoredEvent } from '../audit-chain.js';
import { auditExportReads, insertAuditExport } from './audit-export-tables.js';
import { dataKeyReads, insertDataKey, rewrapDataKey, settleDataKey } from './data-key-tables.js';
import type { CanonicalEventLine } from '../store.js';
import type { ApiToken, AuditEvent, NewDataKey, AuditInput, AuditQuery, EncoderImageRecord, EncoderImageState, Role, Store, StoreTx } from '../store.js';
import { jobTaskReads, jobTaskWrites, renewLease } from './job-tables.js';
import { touchSession, userReads, userWrites } from './user-tables.js';
import { migrateSqlite, type MigrationReport } from './migrate.js';
import { jobsByState, webhookReads, webhookWrites } from './webhook-tables.js';
import { ingestReads, ingestWrites } from './ingest-tables.js';
import { openDatabase, storeError } from './open-database.js';
import * as schema from './schema.js';
import { SerialQueue } from './serial-queue.js';

type Row = typeof schema.auditEvents.$inferSelect;

function toEvent(row: Row): AuditEvent {
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

function toToken(row: typeof schema.apiTokens.$inferSelect): ApiToken {
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

function toImage(row: typeof schema.encoderImages.$inferSelect): EncoderImageRecord {
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

export interface SqliteStoreOptions {
  path: string;
  /** Clock for event times; tests pin it. */
  now?: () => Date;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly migration: MigrationReport;
  readonly #path: string;
  readonly #now: () => Date;
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #w: BetterSQLite3Database<typeof schema>;
  readonly #r: BetterSQLite3Database<typeof schema>;
  readonly #queue = new SerialQueue();
  readonly #sql: { head: Database.Statement; appendAudit: Database.Statement };

  constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    this.#now = options.now ?? (() => new Date());
    this.#writer = openDatabase(options.path);
    try {
      this.#w = drizzle(this.#writer, { schema });
      this.migration = migrateSqlite(options.path, this.#writer, this.#w);
      // The audit append is the hottest write: plain prepared statements, prepared once.
      this.#sql = {
        head: this.#writer.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1'),
        appendAudit: this.#writer.prepare('INSERT INTO audit_events (seq, at, actor, job_id, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      };
      this.#reader = openDatabase(options.path, { readonly: true });
      this.#r = drizzle(this.#reader, { schema });
    } catch (err) {
      this.#writer.close();
      throw err;
    }
  }

  change<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const w = this.#w;
      let wrote = false;
      let events = 0;
      let head: { seq: number; hash: string } | undefined;
      const now = this.#now;
      const tx: StoreTx = {
        ...jobTaskWrites(
          w,
          () => now().toISOString(),
          () => {
            wrote = true;
          },
        ),
        audit: async (input: AuditInput) => {
          // The head is read once per transaction (under BEGIN IMMEDIATE it cannot move), then carried.
          head ??= (this.#sql.head.get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
          const fields = {
            seq: head.seq + 1,
            at: now().toISOString(),
            actor: input.actor,
            job_id: input.jobId ?? null,
            type: input.type,
            payload: input.payload ?? {},
          };
          const prev_hash = head.hash;
          const payloadText = canonicalJson(fields.payload);
          const hash = chainHash(prev_hash, fields, payloadText);
          this.#sql.appendAudit.run(fields.seq, fields.at, fields.actor, fields.job_id, fields.type, payloadText, prev_hash, hash);
          head = { seq: fields.seq, hash };
          events++;
          return { ...fields, prev_hash, hash };
        },
        tokens: {
          insert: async (t) => {
            wrote = true;
            w.insert(schema.apiTokens)
              .values({
                id: t.id,
                name: t.name,
                role: t.role,
                tokenHash: t.tokenHash,
                userId: t.userId ?? null,
                createdAt: now().toISOString(),
                expiresAt: t.expiresAt ?? null,
              })
              .run();
          },
          revoke: async (id, at) => {
            wrote = true;
            w.update(schema.apiTokens).set({ revokedAt: at }).where(eq(schema.apiTokens.id, id)).run();
          },
        },
        images: {
          insert: async (image) => {
            wrote = true;
            const row = { ...image, importedAt: now().toISOString(), removedAt: null };
            w.insert(schema.encoderImages)
              .values(row)
              .onConflictDoUpdate({ target: schema.encoderImages.id, set: { ...row, id: undefined } })
              .run();
          },
          setState: async (id, state, at) => {
            wrote = true;
            w.update(schema.encoderImages)
              .set(state === 'verified' ? { state, verifiedAt: at } : { state })
              .where(eq(schema.encoderImages.id, id))
              .run();
          },
          markRemoved: async (id, at) => {
            wrote = true;
            w.update(schema.encoderImages).set({ removedAt: at }).where(eq(schema.encoderImages.id, id)).run();
          },
        },
        webhooks: webhookWrites(
          w,
          () => now().toISOString(),
          () => {
            wrote = true;
          },
        ),
        auditExports: {
          insert: async (record) => {
            wrote = true;
            insertAuditExport(w, record);
          },
        },
        dataKeys: {
          rewrap: async (id, fromKekId, to) => {
            wrote = true;
            return rewrapDataKey(w, id, fromKekId, to, now().toISOString());
          },
        },
        ...userWrites(
          w,
          () => now().toISOString(),
          () => {
            wrote = true;
          },
        ),
        ingests: ingestWrites(
          w,
          () => now().toISOString(),
          () => {
            wrote = true;
          },
        ),
      };
      this.#begin();
      try {
        const result = await fn(tx);
        if (wrote && events === 0) {
          throw new ApplianceError('AUDIT_REQUIRED', 'a state change was attempted without an audit event; nothing was written');
        }
        this.#writer.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.#writer.inTransaction) this.#writer.exec('ROLLBACK');
        if (err instanceof ApplianceError) throw err;
        throw storeError(this.#path, err);
      }
    });
  }

  #begin(): void {
    try {
      this.#writer.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw storeError(this.#path, err);
    }
  }

  get jobs() {
    return jobTaskReads(this.#r).jobs;
  }

  get tasks() {
    return {
      ...jobTaskReads(this.#r).tasks,
      renewLease: (id: string, token: number, expiresAt: number) => this.#queue.run(async () => renewLease(this.#w, id, token, expiresAt)),
    };
  }

  get users() {
    return userReads(this.#r).users;
  }

  get sessions() {
    return {
      ...userReads(this.#r).sessions,
      touch: (id: string, at: number) => this.#queue.run(async () => touchSession(this.#w, id, at)),
    };
  }

  readonly tokens = {
    findByHash: async (tokenHash: string): Promise<ApiToken | undefined> => {
      const row = this.#r.select().from(schema.apiTokens).where(eq(schema.apiTokens.tokenHash, tokenHash)).get();
      return row ? toToken(row) : undefined;
    },
    list: async (): Promise<ApiToken[]> => this.#r.select().from(schema.apiTokens).orderBy(asc(schema.apiTokens.createdAt)).all().map(toToken),
    countActive: async (role?: Role): Promise<number> => {
      const where = role ? and(isNull(schema.apiTokens.revokedAt), eq(schema.apiTokens.role, role)) : isNull(schema.apiTokens.revokedAt);
      return this.#r.select({ n: count() }).from(schema.apiTokens).where(where).get()?.n ?? 0;
    },
  };

  readonly images = {
    list: async (options: { includeRemoved?: boolean } = {}): Promise<EncoderImageRecord[]> =>
      this.#r
        .select()
        .from(schema.encoderImages)
        .where(options.includeRemoved ? undefined : isNull(schema.encoderImages.removedAt))
        .orderBy(desc(schema.encoderImages.importedAt), asc(schema.encoderImages.id))
        .all()
        .map(toImage),
    get: async (id: string): Promise<EncoderImageRecord | undefined> => {
      const row = this.#r.select().from(schema.encoderImages).where(eq(schema.encoderImages.id, id)).get();
      return row ? toImage(row) : undefined;
    },
    default: async (): Promise<EncoderImageRecord | undefined> => {
      const usable = (await this.images.list()).filter((image) => image.state === 'verified');
      const fromRecipe = usable.find((image) => (JSON.parse(image.manifest) as { source?: { kind?: string } }).source?.kind === 'debian');
      return fromRecipe ?? usable[0];
    },
    jobsPinning: async (id: string): Promise<number> => this.#r.select({ n: count() }).from(schema.jobs).where(eq(schema.jobs.encoderImage, id)).get()?.n ?? 0,
  };

  get webhooks() {
    return webhookReads(this.#r);
  }

  get ingests() {
    return ingestReads(this.#r);
  }

  readonly stats = {
    jobsByState: async (): Promise<Record<string, number>> => jobsByState(this.#r),
  };

  readonly audit = {
    head: async (): Promise<{ seq: number; hash: string } | null> => {
      const row = this.#reader.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      return row ?? null;
    },
    list: async (query: AuditQuery = {}): Promise<AuditEvent[]> => {
      const conditions: SQL[] = [];
      if (query.jobId !== undefined) conditions.push(eq(schema.auditEvents.jobId, query.jobId));
      if (query.type !== undefined) conditions.push(eq(schema.auditEvents.type, query.type));
      if (query.afterSeq !== undefined) conditions.push(gt(schema.auditEvents.seq, query.afterSeq));
      return this.#r
        .select()
        .from(schema.auditEvents)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(asc(schema.auditEvents.seq))
        .limit(Math.min(query.limit ?? 1000, 10000))
        .all()
        .map(toEvent);
    },
    latest: async (type: string): Promise<AuditEvent | null> => {
      const row = this.#r.select().from(schema.auditEvents).where(eq(schema.auditEvents.type, type)).orderBy(desc(schema.auditEvents.seq)).limit(1).get();
      return row ? toEvent(row) : null;
    },
    iterate: (range: { fromSeq?: number; toSeq?: number } = {}): AsyncIterable<AuditEvent> => {
      const stmt = this.#reader.prepare('SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq');
      const rows = stmt.iterate(range.fromSeq ?? 0, range.toSeq ?? Number.MAX_SAFE_INTEGER) as IterableIterator<Record<string, unknown>>;
      return (async function* () {
        for (const r of rows) {
          yield toEvent({
            seq: r.seq as number,
            at: r.at as string,
            actor: r.actor as string,
            jobId: r.job_id as string | null,
            type: r.type as string,
            payload: r.payload as string,
            prevHash: r.prev_hash as string,
            hash: r.hash as string,
          });
        }
      })();
    },
    verify: async () => verifyChain(this.audit.iterate() as AsyncIterable<StoredEvent>),
    hashOf: async (seq: number): Promise<string | undefined> =>
      (this.#reader.prepare('SELECT hash FROM audit_events WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash,
    iterateLines: (range: { fromSeq: number; toSeq: number }): AsyncIterable<CanonicalEventLine[]> => {
      const stmt = this.#reader
        .prepare('SELECT seq, at, actor, job_id, type, payload, prev_hash, hash FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq')
        .raw(true);
      const rows = stmt.iterate(range.fromSeq, range.toSeq) as IterableIterator<[number, string, string, string | null, string, string, string, string]>;
      return (async function* () {
        // Batches: one await per 4096 events, not per event; the cursor still streams.
        let batch: CanonicalEventLine[] = [];
        for (const [seq, at, actor, jobId, type, payload, prevHash, hash] of rows) {
          batch.push({ seq, jobId, prevHash, hash, line: canonicalEvent({ seq, at, actor, job_id: jobId, type, payload: null }, payload) });
          if (batch.length === 4096) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      })();
    },
    seqBounds: async (query: { jobId?: string; from?: string; to?: string }): Promise<{ first: number; last: number } | null> => {
      const row = this.#reader
        .prepare(
          'SELECT min(seq) AS first, max(seq) AS last FROM audit_events WHERE (@jobId IS NULL OR job_id = @jobId) AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at <= @to)',
        )
        .get({ jobId: query.jobId ?? null, from: query.from ?? null, to: query.to ?? null }) as { first: number | null; last: number | null };
      return row.first === null || row.last === null ? null : { first: row.first, last: row.last };
    },
    jobIdsIn: async (range: { fromSeq: number; toSeq: number }): Promise<string[]> =>
      this.#reader
        .prepare('SELECT DISTINCT job_id FROM audit_events WHERE seq >= ? AND seq <= ? AND job_id IS NOT NULL ORDER BY job_id')
        .pluck()
        .all(range.fromSeq, range.toSeq) as string[],
  };

  get dataKeys() {
    return {
      ...dataKeyReads(this.#r),
      insert: (record: NewDataKey) => this.#queue.run(async () => insertDataKey(this.#w, record, this.#now().toISOString())),
      settle: (id: string, sha256: string, size: number) => this.#queue.run(async () => settleDataKey(this.#w, id, sha256, size)),
    };
  }

  get auditExports() {
    return auditExportReads(this.#r);
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      this.#reader.close();
      this.#writer.close();
    });
  }
}

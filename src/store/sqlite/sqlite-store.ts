import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { ApplianceError } from '../../errors/appliance-error.js';
import { canonicalEvent, nextEvent, verifyChain } from '../audit-chain.js';
import type { AuditEvent, AuditInput, CanonicalEventLine, NewDataKey, Store, StoreTx } from '../store.js';
import { auditReads, toEvent } from '../tables/audit-reads.js';
import { auditedTx } from '../tables/audited-tx.js';
import { insertDataKey, settleDataKey } from '../tables/data-key-tables.js';
import { renewLease } from '../tables/job-tables.js';
import { dutyLeases, nodeReads } from '../tables/node-tables.js';
import { storeReads, type StoreReads } from '../tables/store-reads.js';
import { TableStore } from '../tables/table-store.js';
import type { TableDb } from '../tables/table-db.js';
import { touchSession } from '../tables/user-tables.js';
import { migrateSqlite, type MigrationReport } from './migrate.js';
import { openDatabase, storeError } from './open-database.js';
import * as schema from './schema.js';
import { SerialQueue } from '../serial-queue.js';

export interface SqliteStoreOptions {
  path: string;
  /** Clock for event times; tests pin it. */
  now?: () => Date;
}

/** The embedded store: one writer connection (writes serialised in-process), one reader. */
export class SqliteStore extends TableStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly migration: MigrationReport;
  readonly #path: string;
  readonly #now: () => Date;
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #w: TableDb;
  protected readonly reads: StoreReads;
  readonly #queue = new SerialQueue();
  readonly #sql: { head: Database.Statement; appendAudit: Database.Statement };

  constructor(options: SqliteStoreOptions) {
    super();
    this.#path = options.path;
    this.#now = options.now ?? (() => new Date());
    this.#writer = openDatabase(options.path);
    try {
      const w: BetterSQLite3Database<typeof schema> = drizzle(this.#writer, { schema });
      this.#w = { db: w, t: schema };
      this.migration = migrateSqlite(options.path, this.#writer, w);
      // The audit append is the hottest write: plain prepared statements, prepared once.
      this.#sql = {
        head: this.#writer.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1'),
        appendAudit: this.#writer.prepare('INSERT INTO audit_events (seq, at, actor, job_id, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      };
      this.#reader = openDatabase(options.path, { readonly: true });
    } catch (err) {
      this.#writer.close();
      throw err;
    }
    this.reads = storeReads({ db: drizzle(this.#reader, { schema }), t: schema });
    this.audit = {
      ...auditReads({ db: drizzle(this.#reader, { schema }), t: schema }),
      iterate: (range = {}) => this.#iterate(range),
      verify: async () => verifyChain(this.#iterate()),
      iterateLines: (range) => this.#iterateLines(range),
    };
  }

  change<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const nowIso = () => this.#now().toISOString();
      // The head is read once per transaction (under BEGIN IMMEDIATE it cannot move), then carried.
      let head: { seq: number; hash: string } | null | undefined;
      const append = async (input: AuditInput): Promise<AuditEvent> => {
        if (head === undefined) head = (this.#sql.head.get() as { seq: number; hash: string } | undefined) ?? null;
        const { event, payloadText } = nextEvent(head, input, nowIso());
        this.#sql.appendAudit.run(event.seq, event.at, event.actor, event.job_id, event.type, payloadText, event.prev_hash, event.hash);
        head = { seq: event.seq, hash: event.hash };
        return event;
      };
      const { tx, assertAudited } = auditedTx(this.#w, nowIso, append);
      this.#begin();
      try {
        const result = await fn(tx);
        assertAudited();
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

  get tasks() {
    return {
      ...this.reads.tasks,
      renewLease: (id: string, token: number, expiresAt: number) => this.#queue.run(() => renewLease(this.#w, id, token, expiresAt)),
    };
  }

  get sessions() {
    return {
      ...this.reads.sessions,
      touch: (id: string, at: number) => this.#queue.run(() => touchSession(this.#w, id, at)),
    };
  }

  readonly audit: Store['audit'];

  #iterate(range: { fromSeq?: number; toSeq?: number } = {}): AsyncIterable<AuditEvent> {
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
  }

  #iterateLines(range: { fromSeq: number; toSeq: number }): AsyncIterable<CanonicalEventLine[]> {
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
  }

  get dataKeys() {
    return {
      ...this.reads.dataKeys,
      insert: (record: NewDataKey) => this.#queue.run(() => insertDataKey(this.#w, record, this.#now().toISOString())),
      settle: (id: string, sha256: string, size: number) => this.#queue.run(() => settleDataKey(this.#w, id, sha256, size)),
    };
  }

  get nodes() {
    return {
      ...this.reads.nodes,
      heartbeat: (...args: Parameters<Store['nodes']['heartbeat']>) => this.#queue.run(() => nodeReads(this.#w).heartbeat(...args)),
    };
  }

  get duties() {
    const leases = dutyLeases(this.#w);
    return {
      claim: (...args: Parameters<Store['duties']['claim']>) => this.#queue.run(() => leases.claim(...args)),
      release: (...args: Parameters<Store['duties']['release']>) => this.#queue.run(() => leases.release(...args)),
    };
  }

  /** One process owns the file: there is no other node to tell. */
  readonly notifications = null;

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      this.#reader.close();
      this.#writer.close();
    });
  }
}

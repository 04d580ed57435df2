import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { ApplianceError } from '../../errors/appliance-error.js';
import { canonicalEvent, nextEvent, verifyChain } from '../audit-chain.js';
import type { MigrationReport } from '../sqlite/migrate.js';
import type { AuditEvent, AuditInput, CanonicalEventLine, NewDataKey, Store, StoreTx } from '../store.js';
import { SerialQueue } from '../serial-queue.js';
import { auditReads, toEvent } from '../tables/audit-reads.js';
import { auditedTx } from '../tables/audited-tx.js';
import { withMappedErrors } from '../tables/mapped-errors.js';
import { insertDataKey, settleDataKey } from '../tables/data-key-tables.js';
import { renewLease } from '../tables/job-tables.js';
import { storeReads, type StoreReads } from '../tables/store-reads.js';
import { TableStore } from '../tables/table-store.js';
import type { TableDb, Tables } from '../tables/table-db.js';
import { touchSession } from '../tables/user-tables.js';
import { advisoryLocks } from './advisory-locks.js';
import { auditPrivileges, type AuditPrivileges } from './audit-privileges.js';
import { migratePostgres } from './migrate.js';
import { postgresError } from './pg-errors.js';
import { pgNotifications } from './pg-notifications.js';
import * as schema from './schema.js';

export interface PostgresStoreOptions {
  /** `postgres://` URL; `sslmode`, `sslrootcert`, `sslcert`, `sslkey` in its query pass through to node-postgres. */
  url: string;
  /** Connections at most (default 10): one for writes at a time per process, the rest for reads. */
  poolSize?: number;
  /** Clock for event times; tests pin it. */
  now?: () => Date;
  /** How long a connection attempt may take (default 10 s). */
  connectTimeoutMs?: number;
}

/** The table modules' view of a PostgreSQL connection: same queries, PostgreSQL tables (schema-parity.ts). */
function pgTables(db: NodePgDatabase): TableDb {
  return { db: db as unknown as TableDb['db'], t: schema as unknown as Tables };
}

const APPEND = 'INSERT INTO audit_events (seq, at, actor, job_id, type, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
const LINES = 'SELECT seq, at, actor, job_id, type, payload, prev_hash, hash FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3';
type LineRow = [string, string, string, string | null, string, string, string, string];

/**
 * The PostgreSQL store: several processes on several hosts share it. Every write transaction
 * takes the audit-chain advisory lock first (before it reads or writes anything), so the chain
 * stays one line and no two transactions can deadlock on the head; in-process, writes queue for
 * one connection so that waiting writers never starve the pool of reads.
 */
export class PostgresStore extends TableStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #now: () => Date;
  readonly #queue = new SerialQueue();
  readonly #r: TableDb;
  protected readonly reads: StoreReads;
  readonly audit: Store['audit'];
  migration: MigrationReport = { applied: 0, schemaVersion: 0 };
  auditPrivileges: AuditPrivileges = { appendOnly: true, held: [] };
  /** The last error an idle connection reported (a restart of the server, a cut network). */
  lastConnectionError: ApplianceError | null = null;

  private constructor(options: PostgresStoreOptions) {
    super();
    this.#url = options.url;
    this.#now = options.now ?? (() => new Date());
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'mpegflow',
    });
    // An idle connection that dies (server restarted, network cut) must not end the process.
    this.#pool.on('error', (err) => {
      this.lastConnectionError = postgresError(this.#url, err);
    });
    this.#r = pgTables(drizzle({ client: this.#pool }));
    const mapError = (err: unknown) => postgresError(this.#url, err);
    this.reads = withMappedErrors(storeReads(this.#r), mapError);
    this.notifications = pgNotifications(options.url, this.#pool, (err) => {
      this.lastConnectionError = postgresError(this.#url, err);
    });
    this.audit = {
      ...withMappedErrors({ audit: auditReads(this.#r) }, mapError).audit,
      iterate: (range = {}) => this.#iterate(range),
      verify: async () => verifyChain(this.#iterate()),
      iterateLines: (range) => this.#iterateLines(range),
    };
  }

  /** Connects, migrates (once across nodes) and reads what the role may do to the audit tables. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      const client = await store.#pool.connect();
      try {
        store.migration = await migratePostgres(options.url, client);
        store.auditPrivileges = await auditPrivileges(client);
      } finally {
        client.release();
      }
      return store;
    } catch (err) {
      await store.#pool.end().catch(() => undefined);
      throw postgresError(options.url, err);
    }
  }

  /** Runs `fn` on the pool, every failure as one ApplianceError. */
  async #read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw postgresError(this.#url, err);
    }
  }

  change<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const client = await this.#read(() => this.#pool.connect());
      let broken: Error | undefined;
      try {
        // READ COMMITTED (the default): each statement sees what the previous lock holder committed.
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [advisoryLocks.auditChain]);
        const nowIso = () => this.#now().toISOString();
        let head: { seq: number; hash: string } | null | undefined;
        const append = async (input: AuditInput): Promise<AuditEvent> => {
          if (head === undefined) {
            const row = (await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')).rows[0];
            head = row ? { seq: Number(row.seq), hash: row.hash } : null;
          }
          const { event, payloadText } = nextEvent(head, input, nowIso());
          await client.query({
            name: 'mpegflow-audit-append',
            text: APPEND,
            values: [event.seq, event.at, event.actor, event.job_id, event.type, payloadText, event.prev_hash, event.hash],
          });
          head = { seq: event.seq, hash: event.hash };
          return event;
        };
        const { tx, assertAudited } = auditedTx(pgTables(drizzle({ client })), nowIso, append);
        const result = await fn(tx);
        assertAudited();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw postgresError(this.#url, err);
      } finally {
        client.release(broken);
      }
    });
  }

  get tasks() {
    return { ...this.reads.tasks, renewLease: (id: string, token: number, expiresAt: number) => this.#read(() => renewLease(this.#r, id, token, expiresAt)) };
  }

  get sessions() {
    return { ...this.reads.sessions, touch: (id: string, at: number) => this.#read(() => touchSession(this.#r, id, at)) };
  }

  get dataKeys() {
    return {
      ...this.reads.dataKeys,
      insert: (record: NewDataKey) => this.#read(() => insertDataKey(this.#r, record, this.#now().toISOString())),
      settle: (id: string, sha256: string, size: number) => this.#read(() => settleDataKey(this.#r, id, sha256, size)),
    };
  }

  get nodes() {
    return this.reads.nodes;
  }

  get duties() {
    return this.reads.duties;
  }

  readonly notifications: Store['notifications'];

  /** Audit rows in seq order, in keyset batches (each batch one query; the trail is append-only). */
  async *#batches(fromSeq: number, toSeq: number): AsyncGenerator<LineRow[]> {
    let next = fromSeq;
    for (;;) {
      const { rows } = await this.#read(() => this.#pool.query<LineRow>({ text: LINES, values: [next, toSeq, 4096], rowMode: 'array' }));
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < 4096) return;
      next = Number(rows[rows.length - 1]![0]) + 1;
    }
  }

  #iterate(range: { fromSeq?: number; toSeq?: number } = {}): AsyncIterable<AuditEvent> {
    const batches = this.#batches(range.fromSeq ?? 0, range.toSeq ?? Number.MAX_SAFE_INTEGER);
    return (async function* () {
      for await (const rows of batches) {
        for (const [seq, at, actor, jobId, type, payload, prevHash, hash] of rows) {
          yield toEvent({ seq: Number(seq), at, actor, jobId, type, payload, prevHash, hash });
        }
      }
    })();
  }

  #iterateLines(range: { fromSeq: number; toSeq: number }): AsyncIterable<CanonicalEventLine[]> {
    const batches = this.#batches(range.fromSeq, range.toSeq);
    return (async function* () {
      for await (const rows of batches) {
        yield rows.map(([seqText, at, actor, jobId, type, payload, prevHash, hash]) => {
          const seq = Number(seqText);
          return { seq, jobId, prevHash, hash, line: canonicalEvent({ seq, at, actor, job_id: jobId, type, payload: null }, payload) };
        });
      }
    })();
  }

  async close(): Promise<void> {
    await this.#queue.run(() => this.#pool.end());
  }
}

// The store's two backends for the contract suites (test/store/): every suite that takes a
// backend runs once on a SQLite file and once on a new database of a real PostgreSQL server.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { MigrationReport } from '../../src/store/sqlite/migrate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { testDatabaseUrl } from './postgres.js';
import { tempDir } from './temp-dir.js';

export const backendNames = ['sqlite', 'postgres'] as const;
export type BackendName = (typeof backendNames)[number];

export type TestStore = Store & { migration: MigrationReport };

/** One empty database of a backend, opened as often as a test likes. */
export interface StoreBackend {
  name: BackendName;
  /** Opens (and migrates) the store on this database. */
  open(options?: { now?: () => Date }): Promise<TestStore>;
  /** Raw SQL on the database as its owner, behind the store's back (tampering, inspection). */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Switches off the database's refusal of UPDATE and DELETE on audit rows (an attacker with the owner's rights). */
  disableAppendOnly(): Promise<void>;
}

async function sqliteBackend(): Promise<StoreBackend> {
  const path = join(tempDir(), 'mpegflow.db');
  return {
    name: 'sqlite',
    open: async (options = {}) => new SqliteStore({ path, ...options }),
    query: async <Row>(sql: string, params: unknown[] = []) => {
      const db = new Database(path);
      try {
        const stmt = db.prepare(sql);
        return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as Row[];
      } finally {
        db.close();
      }
    },
    disableAppendOnly: async () => {
      const db = new Database(path);
      db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
      db.close();
    },
  };
}

async function postgresBackend(): Promise<StoreBackend> {
  const url = await testDatabaseUrl();
  const query = async <Row>(sql: string, params: unknown[] = []): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Row[];
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    open: (options = {}) => PostgresStore.open({ url, ...options }),
    query,
    disableAppendOnly: async () => void (await query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only')),
  };
}

/** A new, empty database of the named backend. */
export function freshBackend(name: BackendName): Promise<StoreBackend> {
  return name === 'sqlite' ? sqliteBackend() : postgresBackend();
}

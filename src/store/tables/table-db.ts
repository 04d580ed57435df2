import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as sqliteSchema from '../sqlite/schema.js';

/**
 * The tables as the query modules see them. The queries are written once, typed against the
 * SQLite schema; the PostgreSQL schema has the same tables, columns and TypeScript row types
 * (checked at compile time by `postgres/schema-parity.ts`), so the same drizzle builder calls
 * run unchanged on a PostgreSQL connection with the PostgreSQL tables. The modules use only what
 * both dialects have: awaited queries (never SQLite's synchronous `.get()`/`.run()`/`.all()`),
 * rows counted through `.returning()`, no rowid, and case-insensitive matching spelled out.
 */
export type Tables = typeof sqliteSchema;

/** A connection or transaction, with the tables of its dialect. */
export interface TableDb {
  db: BetterSQLite3Database<Tables>;
  t: Tables;
}

/** The first row of a query, or undefined. */
export async function first<Row>(rows: Promise<Row[]> | PromiseLike<Row[]>): Promise<Row | undefined> {
  return (await rows)[0];
}

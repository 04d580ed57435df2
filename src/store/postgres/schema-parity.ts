import type * as sqlite from '../sqlite/schema.js';
import type * as postgres from './schema.js';

// The table modules (../tables/) are typed against the SQLite schema and run with the
// PostgreSQL one: this file does not compile unless both schemas have the same tables with
// the same select and insert row types (insert rows compared as Required: SQLite's INTEGER
// PRIMARY KEY may be omitted on insert, a PostgreSQL bigint key may not; the audit append
// always gives `seq`). (The SQL column names are compared by
// test/store/postgres-schema.test.ts.)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Sqlite = typeof sqlite;
type Postgres = typeof postgres;

type TableParity = {
  [K in keyof Sqlite | keyof Postgres]: K extends keyof Sqlite
    ? K extends keyof Postgres
      ? Same<Sqlite[K]['$inferSelect'], Postgres[K]['$inferSelect']> extends true
        ? Same<Required<Sqlite[K]['$inferInsert']>, Required<Postgres[K]['$inferInsert']>>
        : false
      : false
    : false;
};

export const schemaParity: { [K in keyof TableParity]: TableParity[K] extends true ? true : never } = {
  jobs: true,
  tasks: true,
  encoderImages: true,
  webhooks: true,
  webhookDeliveries: true,
  users: true,
  apiTokens: true,
  auditEvents: true,
  auditExports: true,
  sessions: true,
  ingests: true,
  dataKeys: true,
  nodes: true,
  duties: true,
  ladderTemplates: true,
};

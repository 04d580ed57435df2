import type { Config } from '../config/schema.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The store the config names: embedded SQLite by default, PostgreSQL with MPEGFLOW_DATABASE_URL (connected and migrated). */
export async function openStore(config: Config): Promise<Store> {
  if (config.database.kind === 'postgres') return PostgresStore.open({ url: config.database.url, poolSize: config.database.poolSize });
  return new SqliteStore({ path: config.database.path });
}

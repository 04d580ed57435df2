import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The store the config names: embedded SQLite by default. */
export function openStore(config: Config): Store {
  if (config.database.kind === 'postgres') {
    throw new ApplianceError(
      'STORE_UNSUPPORTED',
      'MPEGFLOW_DATABASE_URL: the PostgreSQL store is not available in this build yet; unset it to use the embedded SQLite store',
    );
  }
  return new SqliteStore({ path: config.database.path });
}

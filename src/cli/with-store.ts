import { existsSync } from 'node:fs';
import { dataLayout } from '../../appliance/data-layout.js';
import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** Runs `fn` on the appliance's store (NOT_INITIALIZED when there is none yet), closed after. */
export async function withStore<T>(cfg: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  if (cfg.database.kind === 'sqlite' && !existsSync(dataLayout(cfg.dataDir).database))
    throw new ApplianceError('NOT_INITIALIZED', `no appliance database in ${cfg.dataDir}: run mpegflow init (or start) first`);
  const store = await openStore(cfg);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

import type { Config } from '../src/config/schema.js';
import { ApplianceError, messageOf } from '../src/errors/appliance-error.js';
import type { Health } from '../src/http/health.js';
import type { Logger } from '../src/log/logger.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { Store } from '../src/store/store.js';

/** What start-up says about the store, for `appliance.started` and the log. */
export interface StoreFacts {
  dialect: Store['dialect'];
  /** PostgreSQL: whether the role can only append to the audit tables, and what else it holds. */
  appendOnlyRole?: boolean;
  auditPrivileges?: string[];
}

/**
 * The store's checks at start. On PostgreSQL, a role that could UPDATE, DELETE or TRUNCATE
 * audit rows (or owns the tables) is refused with `database.requireAppendOnlyRole`, and
 * otherwise named in a loud warning: the triggers still refuse, but such a role could drop them.
 */
export function checkStoreAtStart(config: Config, store: Store, logger: Logger, out: (line: string) => void): StoreFacts {
  if (!(store instanceof PostgresStore)) return { dialect: store.dialect };
  const { appendOnly, held } = store.auditPrivileges;
  if (!appendOnly) {
    const what = `the PostgreSQL role could change the audit trail (${held.join(', ')}); the triggers refuse it, but this role could drop them. Run the appliance as an append-only role (docs/cluster.md)`;
    if (config.database.kind === 'postgres' && config.database.requireAppendOnlyRole) throw new ApplianceError('STORE_PRIVILEGES', what);
    logger.warn({ auditPrivileges: held }, 'store role is not append-only on the audit tables');
    out(`WARNING: ${what}.`);
  }
  return { dialect: store.dialect, appendOnlyRole: appendOnly, auditPrivileges: held };
}

/**
 * Keeps `/healthz` honest about the store while running: a cheap read every `intervalMs`;
 * an outage makes the `store` check fail (the work retries meanwhile), recovery clears it.
 */
export function monitorStore(store: Store, health: Health, logger: Logger, intervalMs = 5000): { stop(): void } {
  let down = false;
  const probe = async () => {
    try {
      await store.audit.head();
      if (down) logger.info('store reachable again');
      down = false;
      health.set('store', { ok: true, detail: store.dialect });
    } catch (err) {
      if (!down) logger.error({ err }, 'store unreachable; work is retried until it is back');
      down = true;
      health.set('store', { ok: false, detail: messageOf(err) });
    }
  };
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

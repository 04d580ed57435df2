import cron from 'node-cron';
import { ApplianceError } from '../errors/appliance-error.js';
import { backupStore, type BackupOptions, type BackupResult } from './store-backup.js';

export interface BackupSchedule {
  /** Runs one backup now (resolves undefined if one is running or it failed: see onError). */
  runNow(): Promise<BackupResult | undefined>;
  /** Stops the schedule and waits for a running backup. */
  stop(): Promise<void>;
}

/** Backs the store up on a cron schedule (nightly by default), never two at once. */
export function scheduleBackups(options: BackupOptions & { cron: string; onResult?: (r: BackupResult) => void; onError?: (err: unknown) => void }): BackupSchedule {
  if (!cron.validate(options.cron)) throw new ApplianceError('CONFIG_INVALID', `backups.cron: invalid cron expression ${JSON.stringify(options.cron)}`);
  let running: Promise<BackupResult | undefined> | undefined;
  const runNow = (): Promise<BackupResult | undefined> => {
    if (running !== undefined) return Promise.resolve(undefined);
    running = backupStore(options)
      .then((r) => {
        options.onResult?.(r);
        return r;
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const task = cron.schedule(options.cron, () => runNow(), { name: 'store-backup', noOverlap: true });
  return {
    runNow,
    async stop() {
      await task.stop();
      await task.destroy();
      if (running !== undefined) await running;
    },
  };
}

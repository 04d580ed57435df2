import cron from 'node-cron';
import { ApplianceError } from '../errors/appliance-error.js';
import { scheduleSingleFlight } from '../scheduling/single-flight-cron.js';
import { backupStore, type BackupOptions, type BackupResult } from './store-backup.js';

export interface BackupSchedule {
  /** Runs one backup now (resolves undefined if one is running or it failed: see onError). */
  runNow(): Promise<BackupResult | undefined>;
  /** Stops the schedule and waits for a running backup. */
  stop(): Promise<void>;
}

/** Backs the store up on a cron schedule (nightly by default), never two at once. */
export function scheduleBackups(
  options: BackupOptions & { cron: string; onResult?: (r: BackupResult) => void; onError?: (err: unknown) => void },
): BackupSchedule {
  if (!cron.validate(options.cron)) throw new ApplianceError('CONFIG_INVALID', `backups.cron: invalid cron expression ${JSON.stringify(options.cron)}`);
  return scheduleSingleFlight(() => backupStore(options), {
    expression: options.cron,
    name: 'store-backup',
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

import cron from 'node-cron';
import { scheduleSingleFlight } from '../scheduling/single-flight-cron.js';
import { invalidKey } from './storage-errors.js';
import { sweepLifecycle, type SweepOptions, type SweepReport } from './lifecycle.js';
import type { ObjectStore } from './object-store.js';

export interface LifecycleScheduleOptions extends SweepOptions {
  /** Cron expression (node-cron, seconds optional). Default hourly at minute 17. */
  cron?: string;
  timezone?: string;
  /** Each finished sweep (for logs/metrics). */
  onReport?: (report: SweepReport) => void;
  /** A sweep that threw (listing failed: store down …). */
  onError?: (err: unknown) => void;
  /** Whether this node sweeps now (in a cluster, the holder of the `storage-lifecycle` duty); default: always. */
  runHere?: () => boolean;
}

export interface LifecycleSchedule {
  /** Runs one sweep now (skipped, resolving undefined, if one is running). */
  runNow(): Promise<SweepReport | undefined>;
  /** Stops the schedule and waits for a running sweep to finish. */
  stop(): Promise<void>;
}

/** Runs sweepLifecycle on a cron schedule, never two at once. */
export function scheduleLifecycle(store: ObjectStore, options: LifecycleScheduleOptions): LifecycleSchedule {
  const expression = options.cron ?? '17 * * * *';
  if (!cron.validate(expression)) throw invalidKey(`invalid lifecycle cron expression ${JSON.stringify(expression)}`);
  const sweep = async (): Promise<SweepReport> => (options.runHere?.() === false ? { scanned: 0, deleted: [], errors: [] } : sweepLifecycle(store, options));
  return scheduleSingleFlight(sweep, {
    expression,
    name: 'storage-lifecycle',
    ...(options.timezone ? { timezone: options.timezone } : {}),
    ...(options.onReport ? { onResult: options.onReport } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

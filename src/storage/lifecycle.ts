import { messageOf } from '../errors/appliance-error.js';
import { assertSegment } from './keys.js';
import type { Bucket, ObjectStore } from './object-store.js';

export type DeleteReason = 'intermediate-expired' | 'input-unprocessed-expired' | 'job-cleanup';

export interface DeleteEvent {
  bucket: Bucket;
  key: string;
  reason: DeleteReason;
  /** Age of the object when it was deleted (days, fractional). */
  ageDays: number;
}

export interface SweepOptions {
  /** Intermediate objects older than this are deleted. Default 7. */
  intermediateMaxAgeDays?: number;
  /** Unprocessed input objects older than this are deleted (with all their versions). Default 30. */
  inputMaxAgeDays?: number;
  /**
   * Whether an input key has been processed (a job used it). Inputs are swept only when this is
   * given: without it the sweep never deletes a master. Processed inputs are kept.
   */
  isInputProcessed?: (key: string) => boolean | Promise<boolean>;
  /**
   * Called, and awaited, before each deletion: how the caller audits it. If it rejects, that object
   * is not deleted (audit first) and the error is counted in the report.
   */
  onDelete: (event: DeleteEvent) => Promise<void>;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface SweepReport {
  scanned: number;
  deleted: DeleteEvent[];
  errors: { bucket: Bucket; key: string; message: string }[];
}

const DAY_MS = 24 * 3600 * 1000;

function ageDaysOf(now: Date, lastModified: Date): number {
  return Math.round(((now.getTime() - lastModified.getTime()) / DAY_MS) * 1000) / 1000;
}

/** One pass of the retention rules over the intermediate and input buckets. */
export async function sweepLifecycle(store: ObjectStore, options: SweepOptions): Promise<SweepReport> {
  const now = (options.now ?? (() => new Date()))();
  const intermediateMax = options.intermediateMaxAgeDays ?? 7;
  const inputMax = options.inputMaxAgeDays ?? 30;
  const report: SweepReport = { scanned: 0, deleted: [], errors: [] };

  const expire = async (bucket: Bucket, key: string, reason: DeleteReason, ageDays: number, allVersions: boolean): Promise<void> => {
    const event: DeleteEvent = { bucket, key, reason, ageDays };
    try {
      await options.onDelete(event);
      await store.delete(bucket, key, { allVersions });
      report.deleted.push(event);
    } catch (err) {
      report.errors.push({ bucket, key, message: messageOf(err) });
    }
  };

  // Collect first, delete after: deleting while a listing is open is fine on S3 but not on a directory walk.
  const intermediate: { key: string; ageDays: number }[] = [];
  for await (const obj of store.list('intermediate')) {
    report.scanned++;
    const ageDays = ageDaysOf(now, obj.lastModified);
    if (ageDays > intermediateMax) intermediate.push({ key: obj.key, ageDays });
  }
  for (const { key, ageDays } of intermediate) await expire('intermediate', key, 'intermediate-expired', ageDays, true);

  if (options.isInputProcessed !== undefined) {
    const inputs: { key: string; ageDays: number }[] = [];
    for await (const obj of store.list('input')) {
      report.scanned++;
      const ageDays = ageDaysOf(now, obj.lastModified);
      if (ageDays > inputMax) inputs.push({ key: obj.key, ageDays });
    }
    for (const { key, ageDays } of inputs) {
      let processed: boolean;
      try {
        processed = await options.isInputProcessed(key);
      } catch (err) {
        report.errors.push({ bucket: 'input', key, message: messageOf(err) });
        continue;
      }
      if (!processed) await expire('input', key, 'input-unprocessed-expired', ageDays, true);
    }
  }
  return report;
}

/** Deletes every intermediate object of one job (keys `<jobId>/…`), e.g. after packaging or on cancel. */
export async function deleteJobIntermediates(
  store: ObjectStore,
  jobId: string,
  options: { onDelete?: (event: DeleteEvent) => Promise<void>; now?: () => Date } = {},
): Promise<number> {
  assertSegment(jobId, 'job id');
  const now = (options.now ?? (() => new Date()))();
  const keys: { key: string; ageDays: number }[] = [];
  for await (const obj of store.list('intermediate', `${jobId}/`)) keys.push({ key: obj.key, ageDays: ageDaysOf(now, obj.lastModified) });
  for (const { key, ageDays } of keys) {
    await options.onDelete?.({ bucket: 'intermediate', key, reason: 'job-cleanup', ageDays });
    await store.delete('intermediate', key, { allVersions: true });
  }
  return keys.length;
}

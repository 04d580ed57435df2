import type { Task } from '../store/jobs.js';

/** Exponential back-off: base × 2^(attempt-1), capped at 5 minutes. */
export function retryDelayMs(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60 * 1000);
}

/** Failures worth another attempt: the process or the host failed, not the input (a chunk whose frames disagree with the master's index would again). */
export function isRetryable(errorCode: string | null): boolean {
  return errorCode !== 'MEDIA_REJECTED' && errorCode !== 'CANCELLED' && errorCode !== 'ENCODER_UNVERIFIED' && errorCode !== 'CHUNK_FRAME_COUNT';
}

/** The job states a retried job re-enters, by the first stage it has to run again. */
export type RetryEntryState = 'queued' | 'encoding' | 'packaging';

/**
 * Pure: the tasks a retry of a failed job runs again — every dead task, and every failed one
 * except a policy refusal (MEDIA_REJECTED, never worth another attempt) and the whole-ladder
 * encode once per-rendition tasks have taken over from it — and the state the job re-enters.
 */
export function retrySelection(tasks: readonly Task[]): { again: Task[]; entry: RetryEntryState } {
  const again = tasks.filter(
    (t) =>
      t.state === 'dead' ||
      (t.state === 'failed' &&
        t.errorCode !== 'MEDIA_REJECTED' &&
        !(t.kind === 'encode' && t.rendition === null && tasks.some((o) => o.kind === 'encode' && o.rendition !== null))),
  );
  const entry = again.some((t) => t.kind === 'probe') ? 'queued' : again.some((t) => t.kind === 'encode') ? 'encoding' : 'packaging';
  return { again, entry };
}

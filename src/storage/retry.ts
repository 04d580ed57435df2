import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total attempts, the first included. Default 4. */
  attempts: number;
  /** First back-off; doubles each time, plus up to 50 % jitter. Default 100 ms. */
  baseDelayMs: number;
  /** Cap of one back-off. Default 2000 ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

/**
 * Runs `work` until it succeeds, a non-retryable error is thrown, or attempts are used up; then
 * `giveUp(lastError, attempts)` decides what to throw.
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (err: unknown) => boolean,
  giveUp: (err: unknown, attempts: number) => Error,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return await work(attempt);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      last = err;
      if (attempt < policy.attempts) {
        const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        await sleep(base + Math.random() * base * 0.5);
      }
    }
  }
  throw giveUp(last, policy.attempts);
}

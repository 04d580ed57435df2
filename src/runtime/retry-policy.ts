/** Exponential back-off: base × 2^(attempt-1), capped at 5 minutes. */
export function retryDelayMs(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60 * 1000);
}

/** Failures worth another attempt: the process or the host failed, not the input. */
export function isRetryable(errorCode: string | null): boolean {
  return errorCode !== 'MEDIA_REJECTED' && errorCode !== 'CANCELLED' && errorCode !== 'ENCODER_UNVERIFIED';
}

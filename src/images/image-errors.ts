import { ApplianceError } from '../errors/appliance-error.js';

/** Why an image may not be used; `reason` is precise and stable enough to audit. */
export interface VerificationFailure {
  imageId: string | null;
  dir: string;
  reason: string;
  /** Where the check ran: import, boot/pool start, before a spawn, `images verify`. */
  stage: 'import' | 'pool-start' | 'spawn' | 'verify' | 'build';
}

/** The one error for an image that failed verification: nothing from it is executed. */
export function encoderUnverified(failure: VerificationFailure): ApplianceError {
  const what = failure.imageId ? `encoder image ${failure.imageId.slice(0, 16)}` : `encoder image at ${failure.dir}`;
  return new ApplianceError('ENCODER_UNVERIFIED', `${what} is unusable: ${failure.reason}`, {
    details: { imageId: failure.imageId, dir: failure.dir, reason: failure.reason, stage: failure.stage },
  });
}

/** The failure carried by an ENCODER_UNVERIFIED error, or null for any other error. */
export function failureOf(err: unknown): VerificationFailure | null {
  if (!(err instanceof ApplianceError) || err.code !== 'ENCODER_UNVERIFIED' || !err.details) return null;
  const d = err.details as Record<string, unknown>;
  return { imageId: (d.imageId as string | null) ?? null, dir: String(d.dir), reason: String(d.reason), stage: d.stage as VerificationFailure['stage'] };
}

import { httpStatusOf, type ErrorCode } from './error-codes.js';

/**
 * The one public error type of the appliance. Every error a user can see carries a
 * stable machine-readable `code` from the catalog (`error-codes.ts`, documented in
 * docs/error-codes.md); its HTTP `status` is the catalog's, the HTTP layer answers with
 * it, the CLI prints `message` on one line.
 */
export class ApplianceError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown> | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApplianceError';
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isApplianceError(err: unknown): err is ApplianceError {
  return err instanceof ApplianceError;
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

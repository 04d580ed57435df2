/**
 * The one public error type of the appliance. Every error a user can see carries a
 * stable machine-readable `code` (documented in docs/error-codes.md); the HTTP layer
 * maps it to `status`, the CLI prints `message` on one line.
 */
export class ApplianceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApplianceError';
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
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

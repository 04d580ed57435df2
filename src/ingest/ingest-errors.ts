import { ApplianceError, isApplianceError, messageOf } from '../errors/appliance-error.js';

/** Stable codes of watch-folder ingest failures (docs/error-codes.md). */
export type IngestErrorCode =
  | 'INGEST_NAME_INVALID'
  | 'INGEST_SYMLINK'
  | 'INGEST_HARD_LINK'
  | 'INGEST_NOT_A_FILE'
  | 'INGEST_SOURCE_VANISHED'
  | 'INGEST_SOURCE_CHANGED'
  | 'INGEST_VERIFY_FAILED'
  | 'INGEST_ORPHAN_SIDECAR'
  | 'INGEST_FAILED';

export const ingestError = (code: IngestErrorCode, message: string, cause?: unknown) =>
  new ApplianceError(code, message, { ...(cause === undefined ? {} : { cause }) });

/** The code and message recorded for a failure (an ApplianceError keeps its own code: STORAGE_NO_SPACE, LADDER_UNKNOWN, …). */
export function failureOf(err: unknown): { code: string; message: string } {
  if (isApplianceError(err)) return { code: err.code, message: err.message };
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  return { code: 'INGEST_FAILED', message: errno ? `${errno}: ${messageOf(err)}` : messageOf(err) };
}

import { ApplianceError } from '../../errors/appliance-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';

/** Why a caption file is refused (docs/error-codes.md, docs/captions.md). The caller's template decides: refuse the job, or skip the file. */
export const CAPTION_ERROR_CODES = [
  'CAPTION_NOT_TEXT',
  'CAPTION_ENCODING',
  'CAPTION_FORMAT_UNKNOWN',
  'CAPTION_INVALID',
  'CAPTION_TIMING',
  'CAPTION_EMPTY',
  'CAPTION_TOO_LARGE',
] as const satisfies readonly ErrorCode[];

export type CaptionErrorCode = (typeof CAPTION_ERROR_CODES)[number];

/** A refused caption file: 422, with `details` naming where (line, byte offset) when known. */
export function captionError(code: CaptionErrorCode, message: string, details?: Record<string, unknown>): ApplianceError {
  return new ApplianceError(code, message, { ...(details ? { details } : {}) });
}

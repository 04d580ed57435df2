import { ApplianceError } from '../errors/appliance-error.js';

/** Why a master is refused. Stable codes: the HTTP layer, the audit trail and watch-folder `.error.json` carry them. */
export type RejectionCode =
  | 'MEDIA_UNREADABLE'
  | 'MEDIA_CONTAINER_UNSUPPORTED'
  | 'MEDIA_NO_VIDEO'
  | 'MEDIA_AUDIO_ONLY'
  | 'MEDIA_VIDEO_CODEC_UNSUPPORTED'
  | 'MEDIA_AUDIO_CODEC_UNSUPPORTED'
  | 'MEDIA_SINGLE_FRAME'
  | 'MEDIA_DURATION_UNKNOWN'
  | 'MEDIA_DURATION_TOO_SHORT'
  | 'MEDIA_DURATION_TOO_LONG'
  | 'MEDIA_RESOLUTION_TOO_LARGE'
  | 'MEDIA_RESOLUTION_TOO_SMALL'
  | 'MEDIA_FRAME_RATE_UNSUPPORTED'
  | 'MEDIA_HDR_UNSUPPORTED';

export interface RejectionReason {
  code: RejectionCode;
  message: string;
}

/** The one error for a refused master: 422, with every reason in `details.reasons`. */
export function mediaRejectedError(reasons: readonly RejectionReason[]): ApplianceError {
  const first = reasons[0];
  const message = first ? (reasons.length === 1 ? first.message : `${first.message} (and ${reasons.length - 1} more)`) : 'the master was rejected';
  return new ApplianceError('MEDIA_REJECTED', message, { details: { reasons: reasons.map((r) => ({ ...r })) } });
}

/** ffprobe printed something that is not its JSON document (an encoder/image problem, not the user's file). */
export function probeOutputInvalidError(why: string): ApplianceError {
  return new ApplianceError('MEDIA_PROBE_OUTPUT_INVALID', `ffprobe output is not a JSON document: ${why}`);
}

/** A value handed to an argv builder is out of range or unsafe: a programming error upstream. */
export function mediaArgumentError(message: string, details?: Record<string, unknown>): ApplianceError {
  return new ApplianceError('MEDIA_ARGUMENT_INVALID', message, { ...(details ? { details } : {}) });
}

export type LadderErrorCode =
  'LADDER_UNKNOWN' | 'LADDER_INVALID' | 'LADDER_NO_RUNGS' | 'LADDER_LEVEL_EXCEEDED' | 'LADDER_HDR_ON_SDR' | 'LADDER_SDR_FROM_HDR' | 'LADDER_AUDIO_MISSING';

/** A ladder cannot be planned for this master (the template's policy refuses it, or it cannot hold). */
export function ladderError(code: LadderErrorCode, message: string): ApplianceError {
  return new ApplianceError(code, message);
}

import type { MediaInfo } from './media-info.js';
import { mediaArgumentError, mediaRejectedError, type RejectionReason } from './media-errors.js';
import type { ProbeOutcome } from './parse-probe.js';
import { toNumber } from './rational.js';

/**
 * Which masters the appliance takes. Defaults suit broadcast and post-production masters;
 * a deployment can narrow or widen them (`acceptedFormatsPolicy(overrides)`), e.g. from a
 * future `media.acceptedFormats` config key.
 */
export interface AcceptedFormatsPolicy {
  /** Demuxer names (any of ffprobe's comma-separated `format_name` entries must match). */
  containers: readonly string[];
  videoCodecs: readonly string[];
  /** Codecs the chosen audio track may have; a master whose audio tracks are all outside this list is refused. */
  audioCodecs: readonly string[];
  maxWidth: number;
  maxHeight: number;
  minWidth: number;
  minHeight: number;
  minDurationSeconds: number;
  maxDurationSeconds: number;
  maxFrameRate: number;
  /** PQ/HLG masters: taken by default (HDR rungs carry them through, SDR rungs tone-map, per the template); false refuses them. */
  allowHdr: boolean;
}

export const defaultAcceptedFormats: AcceptedFormatsPolicy = Object.freeze({
  containers: Object.freeze(['mov', 'mp4', 'mxf', 'matroska', 'webm', 'mpegts', 'mpeg', 'avi', 'gxf', 'm4v']),
  videoCodecs: Object.freeze([
    'prores',
    'dnxhd',
    'h264',
    'hevc',
    'mpeg2video',
    'mpeg4',
    'jpeg2000',
    'av1',
    'vp9',
    'vp8',
    'ffv1',
    'v210',
    'rawvideo',
    'dvvideo',
    'cfhd',
    'vc1',
    'mjpeg',
    'qtrle',
    'huffyuv',
    'utvideo',
  ]),
  audioCodecs: Object.freeze([
    'pcm_s16le',
    'pcm_s16be',
    'pcm_s24le',
    'pcm_s24be',
    'pcm_s32le',
    'pcm_s32be',
    'pcm_f32le',
    'pcm_f32be',
    'pcm_s8',
    'pcm_u8',
    'aac',
    'ac3',
    'eac3',
    'mp2',
    'mp3',
    'flac',
    'alac',
    'opus',
    'vorbis',
    'dts',
    'truehd',
    's302m',
  ]),
  maxWidth: 8192,
  maxHeight: 8192,
  minWidth: 64,
  minHeight: 64,
  minDurationSeconds: 0.5,
  maxDurationSeconds: 24 * 3600,
  maxFrameRate: 120,
  allowHdr: true,
}) as AcceptedFormatsPolicy;

/** The defaults with `overrides` applied; throws MEDIA_ARGUMENT_INVALID on an impossible policy. */
export function acceptedFormatsPolicy(overrides: Partial<AcceptedFormatsPolicy> = {}): AcceptedFormatsPolicy {
  const p = { ...defaultAcceptedFormats, ...overrides };
  const positive = (k: keyof AcceptedFormatsPolicy) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw mediaArgumentError(`accepted formats: ${k} must be a positive number`);
  };
  for (const k of ['maxWidth', 'maxHeight', 'minWidth', 'minHeight', 'minDurationSeconds', 'maxDurationSeconds', 'maxFrameRate'] as const) positive(k);
  if (p.minWidth > p.maxWidth || p.minHeight > p.maxHeight || p.minDurationSeconds > p.maxDurationSeconds)
    throw mediaArgumentError('accepted formats: a minimum is above its maximum');
  return Object.freeze({ ...p });
}

export type Verdict = { accepted: true } | { accepted: false; reasons: RejectionReason[] };

/**
 * The policy's verdict on a probed master, with every reason that applies (not just the
 * first), each with a stable code and a message an operator can act on.
 */
export function checkAccepted(probe: ProbeOutcome | MediaInfo, policy: AcceptedFormatsPolicy = defaultAcceptedFormats): Verdict {
  if ('readable' in probe) {
    if (!probe.readable) return { accepted: false, reasons: [probe.reason] };
    return checkInfo(probe.info, policy);
  }
  return checkInfo(probe, policy);
}

/** `checkAccepted`, throwing MEDIA_REJECTED (422, reasons in details) instead of returning a refusal. */
export function assertAccepted(probe: ProbeOutcome | MediaInfo, policy: AcceptedFormatsPolicy = defaultAcceptedFormats): MediaInfo {
  const verdict = checkAccepted(probe, policy);
  if (!verdict.accepted) throw mediaRejectedError(verdict.reasons);
  return 'readable' in probe ? (probe as { info: MediaInfo }).info : probe;
}

function checkInfo(info: MediaInfo, policy: AcceptedFormatsPolicy): Verdict {
  const reasons: RejectionReason[] = [];
  const add = (code: RejectionReason['code'], message: string) => reasons.push({ code, message });
  const { container, video } = info;

  if (!container.formatNames.some((n) => policy.containers.includes(n))) {
    const still = container.formatNames.some((n) => n === 'image2' || n.endsWith('_pipe'));
    if (still) add('MEDIA_SINGLE_FRAME', `the file is a still image (${container.formatName}), not a video`);
    else add('MEDIA_CONTAINER_UNSUPPORTED', `container ${container.formatName} is not accepted (accepted: ${policy.containers.join(', ')})`);
  }

  if (!video) {
    if (info.audio.length > 0) add('MEDIA_AUDIO_ONLY', `the file has ${info.audio.length} audio track(s) but no video stream`);
    else add('MEDIA_NO_VIDEO', 'the file has no video stream');
  } else {
    if (!policy.videoCodecs.includes(video.codec))
      add('MEDIA_VIDEO_CODEC_UNSUPPORTED', `video codec ${video.codec} is not accepted (accepted: ${policy.videoCodecs.join(', ')})`);
    if (video.width <= 0 || video.height <= 0) add('MEDIA_RESOLUTION_TOO_SMALL', 'the video stream has no frame size');
    else if (video.width > policy.maxWidth || video.height > policy.maxHeight)
      add('MEDIA_RESOLUTION_TOO_LARGE', `frame size ${video.width}x${video.height} is over the limit of ${policy.maxWidth}x${policy.maxHeight}`);
    else if (video.width < policy.minWidth || video.height < policy.minHeight)
      add('MEDIA_RESOLUTION_TOO_SMALL', `frame size ${video.width}x${video.height} is under the minimum of ${policy.minWidth}x${policy.minHeight}`);
    if (video.frameCount === 1) add('MEDIA_SINGLE_FRAME', 'the video stream holds a single frame: a still image, not a video');
    const rate = video.averageFrameRate ?? video.frameRate;
    if (rate && toNumber(rate) > policy.maxFrameRate)
      add('MEDIA_FRAME_RATE_UNSUPPORTED', `frame rate ${toNumber(rate).toFixed(3)} fps is over the limit of ${policy.maxFrameRate}`);
    if (!rate) add('MEDIA_FRAME_RATE_UNSUPPORTED', 'the video stream has no frame rate');
    if (video.hdr && !policy.allowHdr) add('MEDIA_HDR_UNSUPPORTED', `HDR transfer ${video.color.transfer} is not accepted by this policy (allowHdr is false)`);
  }

  const duration = container.durationSeconds ?? video?.durationSeconds ?? null;
  if (duration === null || duration <= 0) add('MEDIA_DURATION_UNKNOWN', 'the duration is zero or unknown');
  else if (duration < policy.minDurationSeconds && video?.frameCount !== 1)
    add('MEDIA_DURATION_TOO_SHORT', `duration ${duration.toFixed(3)} s is under the minimum of ${policy.minDurationSeconds} s`);
  else if (duration > policy.maxDurationSeconds)
    add('MEDIA_DURATION_TOO_LONG', `duration ${duration.toFixed(0)} s is over the limit of ${policy.maxDurationSeconds} s`);

  if (video && info.audio.length > 0 && !info.audio.some((a) => policy.audioCodecs.includes(a.codec))) {
    add('MEDIA_AUDIO_CODEC_UNSUPPORTED', `no audio track has an accepted codec (found: ${[...new Set(info.audio.map((a) => a.codec))].join(', ')})`);
  }

  return reasons.length === 0 ? { accepted: true } : { accepted: false, reasons };
}

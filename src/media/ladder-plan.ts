import type { HdrMetadata, MediaInfo } from './media-info.js';
import type { RateControl, TemplateRung, VideoCodec, VideoProfile } from './ladder-template.js';
import type { LadderTemplate, LoudnessTarget, SurroundCodec } from './ladder-template.js';
import { planAudio } from './audio-plan.js';
import { planCaptions, type CaptionInput } from './caption-plan.js';
import { outputFrameRate } from './frame-rate.js';
import { mediaRejectedError } from './media-errors.js';
import { rational, toNumber, type Rational } from './rational.js';
import { planRungs } from './rung-plan.js';

/** The transfer a rung is encoded with: BT.709 SDR, PQ (HDR10) or HLG. */
export type OutputRange = 'sdr' | 'pq' | 'hlg';

/** One video rendition, ready for the argv builders. */
export interface VideoRungPlan {
  name: string;
  codec: VideoCodec;
  width: number;
  height: number;
  /**
   * Sample aspect ratio written on the output. 1:1 up to the even-pixel rounding of the
   * size (under 1% off); the residue is written so that every rung shows exactly the
   * plan's `displayAspect`, which the DASH muxer requires within one adaptation set.
   */
  sar: Rational;
  /** Target average bitrate (VBR), or the cap a CRF rung may reach: what manifests announce as its average. */
  bitrateKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  /** Constant-quality factor for CRF rungs; null for VBR. */
  crf: number | null;
  profile: VideoProfile;
  /** Level, e.g. "3.1" (H.264) or "5.1" (HEVC). */
  level: string;
  /** RFC 6381 codec string ("avc1.64001f", "hvc1.2.4.L153.90"). */
  codecs: string;
  range: OutputRange;
  /** 8 (yuv420p) or 10 (yuv420p10le). */
  bitDepth: 8 | 10;
  /** SDR from an HDR master: tone-mapped (zscale + tonemap) before scaling. */
  tonemap: boolean;
  /** HDR10 static metadata carried into the encode (PQ rungs whose master has it). */
  hdrMetadata: HdrMetadata | null;
  /** Rungs of one codec and range: one DASH adaptation set, one family of HLS variants ("h264-sdr", "hevc-pq"). */
  group: string;
}

export type AudioCodec = 'aac' | SurroundCodec;

export interface AudioPlan {
  /** Rendition name, unique, a safe folder name: "audio-en", "audio-en-51", "audio-2". */
  name: string;
  /** Absolute stream index of the source track in the master. */
  streamIndex: number;
  /** Its position among the audio tracks. */
  trackNumber: number;
  codec: AudioCodec;
  bitrateKbps: number;
  /** Output channels: 2 (stereo) or 6 (5.1). */
  channels: 2 | 6;
  sampleRate: number;
  /** The source track's channel count (null: unknown). */
  sourceChannels: number | null;
  /** Surround source to stereo with the documented matrix (audio-downmix.ts). */
  downmix: boolean;
  /** BCP 47 (HLS LANGUAGE, DASH lang); null when the track has none. */
  language: string | null;
  /** Menu name: "English", "English 5.1", "Track 2". */
  label: string;
  /** The one default rendition of its group. */
  isDefault: boolean;
  /** "stereo" or "surround": HLS audio group / DASH adaptation sets. */
  group: 'stereo' | 'surround';
  /** Two-pass loudnorm target (measured at encode time); null: levels as mastered. */
  loudness: LoudnessTarget | null;
  /** RFC 6381: "mp4a.40.2", "ac-3", "ec-3". */
  codecs: string;
}

export type CaptionSource =
  | { kind: 'sidecar'; key: string; format: 'webvtt' | 'srt' | 'ttml' }
  | { kind: 'stream'; streamIndex: number; codec: string }
  | { kind: 'cea608'; videoStreamIndex: number };

export interface CaptionPlan {
  /** Rendition name, unique, a safe folder name: "text-en", "text-en-cc". */
  name: string;
  language: string | null;
  label: string;
  /** HLS/DASH: `captions` for closed captions (608/708, SDH), else `subtitles`. */
  kind: 'subtitles' | 'captions';
  forced: boolean;
  isDefault: boolean;
  source: CaptionSource;
}

export interface LadderPlan {
  /** The template version the plan was made from (pinned by the job). */
  ladder: { name: string; version: number };
  /** Absolute stream index of the video stream every rung is made from. */
  videoStreamIndex: number;
  durationSeconds: number | null;
  /** Size as displayed (SAR and rotation applied), rounded. */
  sourceWidth: number;
  sourceHeight: number;
  /** The master's transfer: what HDR rungs carry through. */
  sourceRange: OutputRange;
  /** The one display aspect ratio of every rung. */
  displayAspect: Rational;
  /** Constant output frame rate of every rung. */
  frameRate: Rational;
  gopSeconds: number;
  /** `-g`: frames per GOP (gopSeconds × frame rate, rounded up). */
  gopFrames: number;
  bFrames: number;
  /** bwdif before scaling (interlaced source). */
  deinterlace: boolean;
  /** Field parity given to bwdif. */
  parity: 'auto' | 'tff' | 'bff';
  /** The source's frame rate was variable; output is constant at `frameRate`. */
  fromVariableFrameRate: boolean;
  rungs: VideoRungPlan[];
  audio: AudioPlan[];
  captions: CaptionPlan[];
  /** What DASH references for captions; HLS always gets WebVTT. */
  dashCaptionFormat: 'webvtt' | 'imsc1';
  /** Decisions the planner took, in plain words, for the job record. */
  notes: string[];
}

export interface PlanOptions {
  /** The template's version (the job's pin); 1 for a built-in template. */
  version?: number;
  /** Caption files given with the job. */
  captions?: readonly CaptionInput[];
}

export type { CaptionInput, RateControl, TemplateRung };

/**
 * Plans the renditions of one master from a template: which rungs (never above the source),
 * their exact sizes, rates, levels and dynamic range, the shared frame rate and GOP, one
 * audio rendition per selected track (and group), and the caption tracks. A master the
 * template cannot serve is a 422 with a stable code (media-errors.ts), never a guess.
 */
export function planLadder(info: MediaInfo, template: LadderTemplate, options: PlanOptions = {}): LadderPlan {
  const video = info.video;
  if (!video) throw mediaRejectedError([{ code: info.audio.length ? 'MEDIA_AUDIO_ONLY' : 'MEDIA_NO_VIDEO', message: 'the file has no video stream' }]);
  if (video.width <= 0 || video.height <= 0) throw mediaRejectedError([{ code: 'MEDIA_RESOLUTION_TOO_SMALL', message: 'the video stream has no frame size' }]);
  const notes: string[] = [];

  // Display geometry: square pixels (SAR applied to the width), then rotation.
  const swap = video.rotation === 90 || video.rotation === 270;
  const squareWidth = (video.width * video.sar.num) / video.sar.den;
  const W = swap ? video.height : squareWidth;
  const H = swap ? squareWidth : video.height;
  const displayAspect = swap
    ? rational(video.height * video.sar.den, video.width * video.sar.num)
    : rational(video.width * video.sar.num, video.height * video.sar.den);
  if (video.sar.num !== video.sar.den)
    notes.push(`anamorphic source (SAR ${video.sar.num}:${video.sar.den}): output has square pixels at ${Math.round(W)}x${Math.round(H)} display size`);
  if (video.rotation !== 0) notes.push(`source is rotated ${video.rotation}° for display: planned as ${Math.round(W)}x${Math.round(H)}`);

  const { frameRate, variable } = outputFrameRate(video, template.maxFrameRate, notes);
  const sourceRange: OutputRange = video.color.transfer === 'smpte2084' ? 'pq' : video.color.transfer === 'arib-std-b67' ? 'hlg' : 'sdr';
  const rungs = planRungs({ template, W, H, displayAspect, fps: toNumber(frameRate), sourceRange, hdrMetadata: video.hdrMetadata }, notes);
  const audio = planAudio(info, template.audio, notes);
  if (audio.length === 0) notes.push('no audio rendition: video-only ladder');
  const captions = planCaptions(info, template.captions, options.captions ?? [], notes);

  return {
    ladder: { name: template.name, version: options.version ?? 1 },
    videoStreamIndex: video.index,
    durationSeconds: info.container.durationSeconds ?? video.durationSeconds,
    sourceWidth: Math.round(W),
    sourceHeight: Math.round(H),
    sourceRange,
    displayAspect,
    frameRate,
    gopSeconds: template.gopSeconds,
    gopFrames: Math.ceil(template.gopSeconds * toNumber(frameRate) - 1e-9),
    bFrames: template.bFrames,
    deinterlace: video.interlaced,
    parity: video.fieldOrder === 'tt' || video.fieldOrder === 'tb' ? 'tff' : video.fieldOrder === 'bb' || video.fieldOrder === 'bt' ? 'bff' : 'auto',
    fromVariableFrameRate: variable,
    rungs,
    audio,
    captions,
    dashCaptionFormat: template.captions.dashFormat,
    notes,
  };
}

/** Every rendition name of a plan, in encode order: rungs, then audio. */
export function renditionNames(plan: LadderPlan): string[] {
  return [...plan.rungs.map((r) => r.name), ...plan.audio.map((a) => a.name)];
}

import type { HdrMetadata } from './media-info.js';
import type { EncoderPreset, LoudnessTarget, SurroundCodec, VideoCodec, VideoProfile } from './ladder-template.js';
import type { Rational } from './rational.js';

/** The plan's types (ladder-plan.ts makes plans; the argv builders and stages read them). */

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

export type CaptionSource = { kind: 'sidecar'; key: string; format: 'webvtt' | 'srt' | 'ttml' } | { kind: 'stream'; streamIndex: number; codec: string };

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
  /** x264/x265 speed preset of every rung. */
  encoderPreset: EncoderPreset;
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
  /** A caption that cannot be used: fail the job, or package without it (the reason audited). */
  invalidCaptions: 'refuse' | 'skip';
  /** Decisions the planner took, in plain words, for the job record. */
  notes: string[];
}

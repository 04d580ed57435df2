import type { AcceptedFormatsPolicy } from './accepted-formats.js';

/**
 * Ladder templates: a delivery's ladder as data. Templates live in the store, versioned
 * (a change is a new version; a job pins the exact version it ran with); the API validates
 * their shape with zod (`http/schemas/ladder-template.ts`, kept equal to these types at
 * compile time) and their meaning with `templateProblems` (template-check.ts).
 */

export const VIDEO_CODECS = ['h264', 'hevc'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

/** H.264: baseline/main/high (8-bit). HEVC: main (8-bit) / main10 (10-bit, required for HDR). */
export const VIDEO_PROFILES = ['baseline', 'main', 'high', 'main10'] as const;
export type VideoProfile = (typeof VIDEO_PROFILES)[number];

/**
 * `sdr`: BT.709 output. `hdr`: the master's HDR10 (PQ) or HLG carried through, 10-bit; on an
 * SDR master the template's `hdr.hdrRungOnSdrMaster` decides.
 */
export type RungRange = 'sdr' | 'hdr';

export type RateControl =
  | { mode: 'vbr'; bitrateKbps: number; maxrateKbps: number; bufsizeKbps: number }
  /** Constant quality, capped: `-crf` with a VBV cap (`-maxrate`/`-bufsize`). */
  | { mode: 'crf'; crf: number; maxrateKbps: number; bufsizeKbps: number };

export interface TemplateRung {
  /** Rendition name, unique in the template, also its folder in the outputs: "1080p", "2160p-hdr". */
  name: string;
  codec: VideoCodec;
  /** Bounding box (landscape; swapped for portrait sources). Never upscaled. */
  width: number;
  height: number;
  rate: RateControl;
  profile: VideoProfile;
  /** Highest level the rung may need (e.g. "4.1"); null: the lowest level that holds it. */
  maxLevel: string | null;
  range: RungRange;
}

export const SURROUND_CODECS = ['eac3', 'ac3', 'aac'] as const;
export type SurroundCodec = (typeof SURROUND_CODECS)[number];

export type AudioSelection =
  /** Every audio track of the master, one rendition per language (the first track of each language). */
  | { by: 'all' }
  /** ISO 639-2 codes (or 639-1, matched by their 639-2 equivalents) in this order. */
  | { by: 'language'; languages: string[] }
  /** Positions among the master's audio tracks (0-based). */
  | { by: 'index'; tracks: number[] };

export interface LoudnessTarget {
  /** EBU R128 (-23 LUFS, -1 dBTP) or ATSC A/85 (-24 LKFS, -2 dBTP), or custom figures. */
  standard: 'ebu-r128' | 'atsc-a85' | 'custom';
  integratedLufs: number;
  truePeakDbtp: number;
  /** Loudness range target (LU). */
  lra: number;
}

export interface TemplateAudio {
  select: AudioSelection;
  /** A selected language or track the master lacks: refuse the job, or go on without it. */
  missing: 'refuse' | 'skip';
  /** AAC-LC stereo per selected track (downmixed from surround with the documented matrix). */
  stereo: { bitrateKbps: number };
  /** Also a 5.1 rendition for tracks that have 5.1 (or more); null: stereo only. */
  surround: { codec: SurroundCodec; bitrateKbps: number } | null;
  /** Two-pass `loudnorm` to this target; null: levels as mastered. */
  loudness: LoudnessTarget | null;
}

export interface TemplateCaptions {
  /** Sidecar files given with the job (WebVTT, SRT, TTML/IMSC) and text subtitle streams of the master. */
  sidecars: boolean;
  /** CEA-608/708 carried in the master's video: extract as WebVTT, or ignore. */
  embedded: 'extract' | 'ignore';
  /** What DASH references: WebVTT files, or IMSC1 (TTML) files. HLS always gets WebVTT. */
  dashFormat: 'webvtt' | 'imsc1';
  /** A caption file that cannot be used as given: refuse the job, or leave that file out (reason audited). */
  invalid: 'refuse' | 'skip';
}

/** Quality metrics the gate can hold a rung to (docs/quality.md). */
export const QUALITY_METRICS = ['psnr', 'ssim', 'xpsnr'] as const;
export type QualityMetricName = (typeof QUALITY_METRICS)[number];

/**
 * The quality gate: every video rung is measured against the master (PSNR, SSIM, XPSNR) on a
 * sample; a rung below a threshold fails the job or is left out (the job flagged partial).
 */
export interface TemplateQuality {
  /** N evenly spaced segments (first and last among them), or the whole programme. */
  sample: { segments: number } | 'all';
  /** Minimum mean per rung; a metric not named is measured, not gated. */
  thresholds: Partial<Record<QualityMetricName, number>>;
  /** A rung below a threshold: fail the job, or leave the rung out and flag the job partial. */
  onBelow: 'fail' | 'partial';
}

export interface TemplateHdrPolicy {
  /** SDR rungs from an HDR master: tone-map (zscale + tonemap, Hable) or refuse the job. */
  sdrRungFromHdrMaster: 'tonemap' | 'refuse';
  /** HDR rungs on an SDR master: refuse the job, skip those rungs, or encode them SDR. */
  hdrRungOnSdrMaster: 'refuse' | 'skip' | 'sdr';
}

export type PackagingFormat = 'hls' | 'dash';

/** x264/x265 speed presets (same names in both): slower is smaller at the same quality. */
export const ENCODER_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;
export type EncoderPreset = (typeof ENCODER_PRESETS)[number];

export interface LadderTemplate {
  /** Lowercase slug: letters, digits, `-`, `_`; unique; `professional` is built in. */
  name: string;
  description: string;
  /** Segment and GOP length: every rung has a closed GOP starting every `gopSeconds`. */
  gopSeconds: number;
  /** B-frames per GOP pattern, the same on every rung. */
  bFrames: number;
  /** x264/x265 speed preset of every rung. */
  encoderPreset: EncoderPreset;
  /** Output frame rate ceiling: faster sources are divided by the smallest integer that fits. */
  maxFrameRate: number;
  /** Rungs; the planner orders them by size. */
  rungs: TemplateRung[];
  hdr: TemplateHdrPolicy;
  audio: TemplateAudio;
  captions: TemplateCaptions;
  /** Packages made when the job does not name them. */
  packaging: PackagingFormat[];
  /** A rendition that fails for good: wait (fail the job) or emit the ladder without it; null: the appliance default. */
  partialLadder: 'wait' | 'emit' | null;
  /** The quality gate; absent or null: measured on 3 segments, not gated. */
  quality?: TemplateQuality | null;
  /** Narrows the appliance's accepted formats for this template; null: the appliance policy. */
  acceptedFormats: Partial<
    Pick<AcceptedFormatsPolicy, 'maxWidth' | 'maxHeight' | 'minWidth' | 'minHeight' | 'minDurationSeconds' | 'maxDurationSeconds' | 'maxFrameRate' | 'allowHdr'>
  > | null;
}

/** A stored template version, as the store and API hand it out. */
export interface TemplateVersion {
  name: string;
  version: number;
  template: LadderTemplate;
  /** sha256 of the canonical JSON of `template`: what a job's audit pins. */
  sha256: string;
  builtin: boolean;
  createdAt: string;
  createdBy: string;
}

export const LOUDNESS_STANDARDS: Readonly<Record<'ebu-r128' | 'atsc-a85', Omit<LoudnessTarget, 'standard'>>> = Object.freeze({
  'ebu-r128': Object.freeze({ integratedLufs: -23, truePeakDbtp: -1, lra: 7 }),
  'atsc-a85': Object.freeze({ integratedLufs: -24, truePeakDbtp: -2, lra: 7 }),
});

import type { Rational } from './rational.js';

/**
 * What the appliance knows about a master after `ffprobe` (see parse-probe.ts). Every
 * field is either read from ffprobe or derived from what it read; `null` means ffprobe
 * did not say.
 */
export interface MediaInfo {
  container: ContainerInfo;
  /** The primary video stream: the first video stream that is not cover art. */
  video: VideoInfo | null;
  /** Video streams other than cover art (attached pictures). */
  videoStreamCount: number;
  /** Audio tracks in stream order. */
  audio: AudioTrack[];
  subtitleCount: number;
  /** Subtitle streams in stream order. */
  subtitles: SubtitleTrack[];
}

export interface ContainerInfo {
  /** ffprobe's `format_name`, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  formatName: string;
  /** `formatName` split on commas. */
  formatNames: string[];
  longName: string | null;
  durationSeconds: number | null;
  startTimeSeconds: number | null;
  sizeBytes: number | null;
  bitRate: number | null;
  probeScore: number | null;
  streamCount: number;
}

export type FieldOrder = 'progressive' | 'tt' | 'bb' | 'tb' | 'bt' | 'unknown';

export interface ColorInfo {
  primaries: string | null;
  transfer: string | null;
  matrix: string | null;
  /** "tv" (limited) or "pc" (full). */
  range: string | null;
}

export interface GopEstimate {
  /** Keyframes seen in the probed window. */
  keyframes: number;
  /** Median distance between keyframes, in seconds. */
  medianSeconds: number;
  /** Largest distance between keyframes, in seconds. */
  maxSeconds: number;
  /** Seconds of the stream the estimate covers. */
  windowSeconds: number;
}

export interface VideoInfo {
  /** Absolute stream index in the file (`-map 0:INDEX`). */
  index: number;
  codec: string;
  profile: string | null;
  level: number | null;
  /** Coded (stored) size. */
  width: number;
  height: number;
  /** Sample (pixel) aspect ratio; 1:1 when the file does not say. */
  sar: Rational;
  sarKnown: boolean;
  /** Display aspect ratio of the stored picture (before rotation). */
  dar: Rational;
  /** Rotation to apply for display, counter-clockwise degrees (0, 90, 180, 270). */
  rotation: 0 | 90 | 180 | 270;
  /** Size as shown to a viewer: SAR applied (square pixels), then rotation. */
  displayWidth: number;
  displayHeight: number;
  /** `r_frame_rate`: the base rate every timestamp fits. */
  frameRate: Rational | null;
  /** `avg_frame_rate`: frames / duration. */
  averageFrameRate: Rational | null;
  /** r_frame_rate and avg_frame_rate differ by more than 1%: a variable frame rate hint. */
  variableFrameRate: boolean;
  frameCount: number | null;
  durationSeconds: number | null;
  bitRate: number | null;
  fieldOrder: FieldOrder;
  interlaced: boolean;
  pixelFormat: string | null;
  bitDepth: number | null;
  color: ColorInfo;
  /** Transfer is PQ (smpte2084) or HLG (arib-std-b67). */
  hdr: boolean;
  /** HDR10 static metadata from the stream's side data (or its first frame), when the master carries it. */
  hdrMetadata: HdrMetadata | null;
  /** ffprobe reports CEA-608/708 closed captions carried in the video (`closed_captions`). */
  closedCaptions: boolean;
  /** Filled from a keyframe probe (probe-args.ts `keyframeProbeArgs`), else null. */
  gop: GopEstimate | null;
}

export interface AudioTrack {
  /** Absolute stream index in the file. */
  index: number;
  /** Position among the audio tracks (0-based; `0:a:N`). */
  trackNumber: number;
  codec: string;
  profile: string | null;
  channels: number | null;
  channelLayout: string | null;
  sampleRate: number | null;
  /** ISO 639-2 from the stream's language tag; null when absent or "und". */
  language: string | null;
  isDefault: boolean;
  bitRate: number | null;
  durationSeconds: number | null;
}

/**
 * HDR10 static metadata. Mastering display (SMPTE ST 2086): chromaticities in units of
 * 0.00002 and luminance in units of 0.0001 cd/m², the integers x265's `master-display` and
 * the MP4/HEVC SEI carry. Content light level (CTA-861.3): cd/m².
 */
export interface HdrMetadata {
  masteringDisplay: {
    red: [number, number];
    green: [number, number];
    blue: [number, number];
    whitePoint: [number, number];
    maxLuminance: number;
    minLuminance: number;
  } | null;
  contentLight: { maxCll: number; maxFall: number } | null;
}

export interface SubtitleTrack {
  /** Absolute stream index in the file. */
  index: number;
  /** Position among the subtitle streams (0-based; `0:s:N`). */
  trackNumber: number;
  /** e.g. "mov_text", "subrip", "webvtt", "ass", "hdmv_pgs_subtitle", "dvd_subtitle". */
  codec: string;
  /** A text codec ffmpeg can turn into WebVTT (bitmap subtitles cannot be). */
  text: boolean;
  language: string | null;
  isDefault: boolean;
  forced: boolean;
}

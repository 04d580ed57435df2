import type { H264Profile } from './h264-levels.js';

/**
 * Ladder presets. A rung is a bounding box (landscape; swapped for portrait sources)
 * with its rate control. `professional` is the product's seed ladder (SPEC: 240p, 480p,
 * 720p, 1080p, 2160p, H.264 + AAC).
 */
export interface RungPreset {
  /** Rendition name, also its folder in the packages: "720p". */
  name: string;
  boxWidth: number;
  boxHeight: number;
  /** Target average video bitrate at ≤ 30 fps for a frame that fills the box. */
  bitrateKbps: number;
  /** VBV peak rate (`-maxrate`). */
  maxrateKbps: number;
  /** VBV buffer (`-bufsize`). */
  bufsizeKbps: number;
  profile: H264Profile;
}

export interface AudioPreset {
  codec: 'aac';
  bitrateKbps: number;
  channels: 2;
  sampleRate: 48000;
}

export interface LadderPreset {
  name: string;
  videoCodec: 'h264';
  /** Segment and GOP length: every rung has a closed GOP starting every `gopSeconds`. */
  gopSeconds: number;
  /** B-frames per GOP pattern, the same on every rung. */
  bFrames: number;
  /** Rungs, smallest first. */
  rungs: readonly RungPreset[];
  audio: AudioPreset;
}

const rung = (name: string, boxWidth: number, boxHeight: number, bitrateKbps: number, profile: H264Profile): RungPreset =>
  Object.freeze({ name, boxWidth, boxHeight, bitrateKbps, maxrateKbps: Math.round(bitrateKbps * 1.2), bufsizeKbps: bitrateKbps * 2, profile });

export const professionalLadder: LadderPreset = Object.freeze({
  name: 'professional',
  videoCodec: 'h264',
  gopSeconds: 2,
  bFrames: 2,
  rungs: Object.freeze([
    rung('240p', 426, 240, 400, 'main'),
    rung('480p', 854, 480, 1400, 'main'),
    rung('720p', 1280, 720, 3000, 'high'),
    rung('1080p', 1920, 1080, 6000, 'high'),
    rung('2160p', 3840, 2160, 16000, 'high'),
  ]),
  audio: Object.freeze({ codec: 'aac', bitrateKbps: 128, channels: 2, sampleRate: 48000 }),
}) as LadderPreset;

export const ladderPresets: Readonly<Record<string, LadderPreset>> = Object.freeze({ professional: professionalLadder });

export function ladderPresetNames(): string[] {
  return Object.keys(ladderPresets);
}

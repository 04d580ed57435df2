import type { MediaInfo, VideoInfo } from './media-info.js';
import { avc1Codec, h264Level, type H264Profile } from './h264-levels.js';
import { ladderPresets, type LadderPreset, type RungPreset } from './ladder-presets.js';
import { ladderError, mediaRejectedError } from './media-errors.js';
import { rational, toNumber, type Rational } from './rational.js';

/** One video rendition, ready for the argv builders. */
export interface VideoRungPlan {
  name: string;
  width: number;
  height: number;
  /**
   * Sample aspect ratio written on the output. 1:1 up to the even-pixel rounding of the
   * size (under 1% off); the residue is written so that every rung shows exactly the
   * plan's `displayAspect`, which the DASH muxer requires within one adaptation set.
   */
  sar: Rational;
  bitrateKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  profile: H264Profile;
  /** H.264 level, e.g. "3.1". */
  level: string;
  /** RFC 6381 codec string ("avc1.64001f"). */
  codecs: string;
}

export interface AudioPlan {
  /** Absolute stream index of the chosen track in the master. */
  streamIndex: number;
  /** Its position among the audio tracks. */
  trackNumber: number;
  codec: 'aac';
  bitrateKbps: number;
  channels: number;
  sampleRate: number;
  language: string | null;
  codecs: 'mp4a.40.2';
}

export interface LadderPlan {
  preset: string;
  /** Absolute stream index of the video stream every rung is made from. */
  videoStreamIndex: number;
  durationSeconds: number | null;
  /** Size as displayed (SAR and rotation applied), rounded. */
  sourceWidth: number;
  sourceHeight: number;
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
  audio: AudioPlan | null;
  /** Decisions the planner took, in plain words, for the job record. */
  notes: string[];
}

export interface PlanOptions {
  /** Audio track (0-based position among audio tracks); default: the first track marked default, else the first. */
  audioTrack?: number;
  /** Output frame rate ceiling; faster sources are divided by the smallest integer that fits. Default 60. */
  maxFrameRate?: number;
}

const STANDARD_RATES: readonly Rational[] = [
  rational(24000, 1001),
  rational(24, 1),
  rational(25, 1),
  rational(30000, 1001),
  rational(30, 1),
  rational(48, 1),
  rational(50, 1),
  rational(60000, 1001),
  rational(60, 1),
];

export function resolveLadderPreset(preset: LadderPreset | string): LadderPreset {
  if (typeof preset !== 'string') return preset;
  const found = Object.hasOwn(ladderPresets, preset) ? ladderPresets[preset] : undefined;
  if (!found) throw ladderError('LADDER_UNKNOWN', `unknown ladder "${preset}" (known: ${Object.keys(ladderPresets).join(', ')})`);
  return found;
}

/**
 * Plans the renditions for one master: which rungs (never above the source), their exact
 * sizes, rates and levels, the shared frame rate and GOP, and the one audio rendition.
 */
export function planLadder(info: MediaInfo, preset: LadderPreset | string = 'professional', options: PlanOptions = {}): LadderPlan {
  const ladder = resolveLadderPreset(preset);
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
  const portrait = H > W;

  const { frameRate, variable } = outputFrameRate(video, options.maxFrameRate ?? 60, notes);
  const fps = toNumber(frameRate);
  const fpsFactor = fps > 31 ? 1.5 : 1;

  const rungs: VideoRungPlan[] = [];
  const size = (box: RungPreset) => {
    const bw = portrait ? box.boxHeight : box.boxWidth;
    const bh = portrait ? box.boxWidth : box.boxHeight;
    return { scale: Math.min(bw / W, bh / H), area: bw * bh };
  };
  let chosen = ladder.rungs.filter((r) => size(r).scale <= 1 + 1e-9);
  let fallback = false;
  if (chosen.length === 0) {
    const smallest = ladder.rungs[0];
    if (!smallest) throw ladderError('LADDER_INVALID', `ladder ${ladder.name} has no rungs`);
    chosen = [smallest];
    fallback = true;
  }
  for (const preset of chosen) {
    const { scale, area } = size(preset);
    const s = Math.min(scale, 1);
    const width = evenAtMost(W * s, W);
    const height = evenAtMost(H * s, H);
    const areaFactor = Math.min(1, Math.max(0.5, (width * height) / area));
    const factor = areaFactor * fpsFactor;
    const bitrateKbps = Math.round(preset.bitrateKbps * factor);
    const maxrateKbps = Math.round(preset.maxrateKbps * factor);
    const bufsizeKbps = Math.round(preset.bufsizeKbps * factor);
    const level = h264Level({ width, height, fps, maxrateKbps, bufsizeKbps, profile: preset.profile });
    rungs.push({
      name: fallback ? `${Math.min(width, height)}p` : preset.name,
      width,
      height,
      sar: rational(displayAspect.num * height, displayAspect.den * width),
      bitrateKbps,
      maxrateKbps,
      bufsizeKbps,
      profile: preset.profile,
      level,
      codecs: avc1Codec(preset.profile, level),
    });
  }
  if (fallback) notes.push(`source (${Math.round(W)}x${Math.round(H)}) is smaller than the smallest rung: one rendition at source size`);
  else if (chosen.length < ladder.rungs.length) notes.push(`${ladder.rungs.length - chosen.length} rung(s) above the source size skipped (no upscaling)`);
  if (fpsFactor !== 1) notes.push(`high frame rate (${fps.toFixed(3)} fps) kept on every rung, bitrates ×${fpsFactor}`);

  const audio = planAudio(info, ladder, options.audioTrack, notes);
  if (!audio) notes.push('no audio track: video-only ladder');

  return {
    preset: ladder.name,
    videoStreamIndex: video.index,
    durationSeconds: info.container.durationSeconds ?? video.durationSeconds,
    sourceWidth: Math.round(W),
    sourceHeight: Math.round(H),
    displayAspect,
    frameRate,
    gopSeconds: ladder.gopSeconds,
    gopFrames: Math.ceil(ladder.gopSeconds * fps - 1e-9),
    bFrames: ladder.bFrames,
    deinterlace: video.interlaced,
    parity: video.fieldOrder === 'tt' || video.fieldOrder === 'tb' ? 'tff' : video.fieldOrder === 'bb' || video.fieldOrder === 'bt' ? 'bff' : 'auto',
    fromVariableFrameRate: variable,
    rungs,
    audio,
    notes,
  };
}

/** Even, rounded to nearest, but never above the source dimension (that would be an upscale). */
function evenAtMost(x: number, source: number): number {
  const nearest = 2 * Math.round(x / 2);
  const ceiling = 2 * Math.floor(source / 2);
  return Math.max(2, Math.min(nearest, ceiling));
}

function outputFrameRate(video: VideoInfo, max: number, notes: string[]): { frameRate: Rational; variable: boolean } {
  let rate = video.frameRate ?? video.averageFrameRate;
  let variable = false;
  if (video.variableFrameRate && video.averageFrameRate) {
    if (video.interlaced && video.frameRate && Math.abs(toNumber(video.frameRate) / toNumber(video.averageFrameRate) - 2) < 0.01) {
      rate = video.averageFrameRate; // field rate reported as r_frame_rate: the frame rate is avg
    } else {
      variable = true;
      rate = nearestStandard(toNumber(video.averageFrameRate));
      notes.push(`variable frame rate (r ${fmt(video.frameRate)}, avg ${fmt(video.averageFrameRate)}): output is constant ${fmt(rate)} fps`);
    }
  }
  if (!rate) {
    rate = rational(25, 1);
    notes.push('no frame rate in the source: output is 25 fps');
  }
  if (toNumber(rate) > max + 1e-6) {
    const k = Math.ceil(toNumber(rate) / max - 1e-9);
    const reduced = rational(rate.num, rate.den * k);
    notes.push(`frame rate ${fmt(rate)} is over ${max}: output is ${fmt(reduced)} fps (every ${k}th frame)`);
    rate = reduced;
  }
  if (video.interlaced) notes.push(`interlaced (${video.fieldOrder}): deinterlaced with bwdif, one frame per frame`);
  return { frameRate: rate, variable };
}

function nearestStandard(fps: number): Rational {
  let best = STANDARD_RATES[0] as Rational;
  for (const r of STANDARD_RATES) if (Math.abs(Math.log(toNumber(r) / fps)) < Math.abs(Math.log(toNumber(best) / fps))) best = r;
  return best;
}

function fmt(r: Rational | null): string {
  return r ? (r.den === 1 ? String(r.num) : `${r.num}/${r.den}`) : '?';
}

function planAudio(info: MediaInfo, ladder: LadderPreset, requested: number | undefined, notes: string[]): AudioPlan | null {
  if (info.audio.length === 0) return null;
  let track: (typeof info.audio)[number] | undefined;
  if (requested !== undefined) {
    track = info.audio[requested];
    if (!Number.isSafeInteger(requested) || !track)
      throw ladderError('LADDER_INVALID', `audio track ${requested} does not exist (the master has ${info.audio.length})`);
  } else {
    track = info.audio.find((a) => a.isDefault) ?? info.audio[0];
  }
  if (!track) return null;
  const why = requested !== undefined ? 'as requested' : track.isDefault ? 'the first marked default' : 'none is marked default: the first';
  if (info.audio.length > 1)
    notes.push(`${info.audio.length} audio tracks: using track ${track.trackNumber}${track.language ? ` (${track.language})` : ''}, ${why}`);
  return {
    streamIndex: track.index,
    trackNumber: track.trackNumber,
    codec: ladder.audio.codec,
    bitrateKbps: ladder.audio.bitrateKbps,
    channels: ladder.audio.channels,
    sampleRate: ladder.audio.sampleRate,
    language: track.language,
    codecs: 'mp4a.40.2',
  };
}

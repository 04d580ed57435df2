import type { LadderPlan, OutputRange, VideoRungPlan } from './ladder-plan.js';
import { decimal } from './argv-decimals.js';
import { checkInt, kbps } from './argv-values.js';
import { H264_LEVELS } from './h264-levels.js';
import { ENCODER_PRESETS, type EncoderPreset } from './ladder-template.js';
import { mediaArgumentError } from './media-errors.js';
import { formatRational } from './rational.js';
import { x265Params } from './x265-params.js';

/**
 * Speed/quality presets, typed (never a free string on the command line): the template's
 * `encoderPreset`. libx264 and libx265 share these names; an HEVC rung gets the x265 preset
 * of the same name.
 */
export const X264_PRESETS = ENCODER_PRESETS;
export type X264Preset = EncoderPreset;

/** The preset of an encode: the caller's override (tests, benches) or else the plan's. */
export function checkPreset(plan: LadderPlan, override: X264Preset | undefined): X264Preset {
  const preset = override ?? plan.encoderPreset ?? 'medium';
  if (!X264_PRESETS.includes(preset)) throw mediaArgumentError(`unknown encoder preset ${String(preset)}`);
  return preset;
}

/**
 * Keyframe policy, identical on every rung of either codec: a closed GOP every gopSeconds,
 * no scene-cut keyframes, forced keyframes at each multiple of gopSeconds, constant rate.
 * (libx265 also gets the same GOP in `-x265-params`, and `-forced-idr 1` so a forced
 * keyframe is an IDR, as libx264's is.)
 */
export function keyframeArgs(plan: LadderPlan, chunk?: ChunkKeyframes): string[] {
  const g = String(checkInt(plan.gopFrames, 1, 10_000, 'GOP frames'));
  const seconds = checkInt(plan.gopSeconds, 1, 20, 'GOP seconds');
  // A chunk's frames are timed from its own start: the programme time is t + its offset, and
  // GOP numbers continue from the chunk's first, so the keyframes are the unchunked encode's.
  const force = chunk
    ? `expr:gte(t+${decimal(Math.floor(chunk.offsetSeconds * 1e6) / 1e6, 0, 1e7, 6, 'chunk offset')},(n_forced+${checkInt(chunk.firstGop, 0, 1e7, 'first GOP')})*${seconds})`
    : `expr:gte(t,n_forced*${seconds})`;
  return [
    '-g',
    g,
    '-keyint_min',
    g,
    '-sc_threshold',
    '0',
    '-bf',
    String(checkInt(plan.bFrames, 0, 16, 'B-frames')),
    '-flags',
    '+cgop',
    '-force_key_frames',
    force,
    '-fps_mode',
    'cfr',
    '-r',
    formatRational(plan.frameRate),
  ];
}

/** A chunk's place in the programme (chunk-plan.ts): its start, its first GOP's number, its frames. */
export interface ChunkKeyframes {
  offsetSeconds: number;
  firstGop: number;
  frames: number;
}

/** The colour tags of a rung's range (the stream's VUI and the MP4 `colr` box). */
export function colourTagArgs(range: OutputRange): string[] {
  const [primaries, trc, matrix] =
    range === 'sdr' ? ['bt709', 'bt709', 'bt709'] : range === 'pq' ? ['bt2020', 'smpte2084', 'bt2020nc'] : ['bt2020', 'arib-std-b67', 'bt2020nc'];
  return ['-color_primaries', primaries, '-color_trc', trc, '-colorspace', matrix, '-color_range', 'tv'];
}

/** One rung's output: its filter-graph label mapped to libx264 (H.264, 8-bit SDR) or libx265 (HEVC Main / Main 10, SDR, PQ or HLG). */
export function videoOutputArgs(plan: LadderPlan, rung: VideoRungPlan, label: string, preset: X264Preset, output: string, chunk?: ChunkKeyframes): string[] {
  return [
    '-map',
    label,
    '-an',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    ...(rung.codec === 'h264' ? h264Args(rung, preset) : hevcArgs(plan, rung, preset)),
    ...rateArgs(rung),
    ...keyframeArgs(plan, chunk),
    ...colourTagArgs(rung.range),
    ...(chunk ? ['-frames:v', String(checkInt(chunk.frames, 1, 1e9, 'chunk frames'))] : []),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    output,
  ];
}

const H264_PROFILES = ['baseline', 'main', 'high'] as const;

function h264Args(rung: VideoRungPlan, preset: X264Preset): string[] {
  if (!(H264_PROFILES as readonly string[]).includes(rung.profile))
    throw mediaArgumentError(`rung ${rung.name}: H.264 profile ${rung.profile} is not one of ${H264_PROFILES.join(', ')}`);
  if (rung.range !== 'sdr' || rung.bitDepth !== 8) throw mediaArgumentError(`rung ${rung.name}: H.264 rungs are 8-bit SDR (BT.709)`);
  if (!H264_LEVELS.includes(rung.level)) throw mediaArgumentError(`rung ${rung.name}: H.264 level ${JSON.stringify(rung.level)}`);
  return ['-c:v', 'libx264', '-preset', preset, '-profile:v', rung.profile, '-level:v', rung.level];
}

function hevcArgs(plan: LadderPlan, rung: VideoRungPlan, preset: X264Preset): string[] {
  if (rung.profile !== 'main' && rung.profile !== 'main10') throw mediaArgumentError(`rung ${rung.name}: HEVC profile ${rung.profile} is not main or main10`);
  if (rung.bitDepth !== (rung.profile === 'main10' ? 10 : 8))
    throw mediaArgumentError(`rung ${rung.name}: ${rung.bitDepth}-bit does not match profile ${rung.profile}`);
  if (rung.range !== 'sdr' && rung.bitDepth !== 10) throw mediaArgumentError(`rung ${rung.name}: HDR (${rung.range}) needs Main 10`);
  return ['-c:v', 'libx265', '-preset', preset, '-profile:v', rung.profile, '-tag:v', 'hvc1', '-forced-idr', '1', '-x265-params', x265Params(plan, rung)];
}

/** VBR: `-b:v` with the VBV cap; CRF: `-crf` with the same cap (capped constant quality). */
function rateArgs(rung: VideoRungPlan): string[] {
  const cap = ['-maxrate', kbps(rung.maxrateKbps, 'maxrate'), '-bufsize', kbps(rung.bufsizeKbps, 'bufsize')];
  if (rung.crf !== null) return ['-crf', decimal(rung.crf, 0, 51, 2, 'CRF'), ...cap];
  return ['-b:v', kbps(rung.bitrateKbps, 'bitrate'), ...cap];
}

import type { AudioPlan, LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkDistinctPaths, checkInput, checkInt, checkPath } from './argv-values.js';
import { decimal } from './argv-decimals.js';
import type { ChunkRange } from './chunk-plan.js';
import { audioOutputArgs } from './audio-encode-args.js';
import { ladderFilterGraph } from './filter-graph.js';
import type { LoudnessMeasurement } from './loudness.js';
import { mediaArgumentError } from './media-errors.js';
import { checkPreset, videoOutputArgs, type X264Preset } from './video-encode-args.js';

export { X264_PRESETS, keyframeArgs, type X264Preset } from './video-encode-args.js';

export interface EncodeOptions {
  /** Absolute path of the staged master (or the loopback range-server URL of an encrypted one). */
  input: string;
  /** Overrides the plan's `encoderPreset` (libx264, and libx265 by the same name): tests and benches use "ultrafast". */
  x264Preset?: X264Preset;
}

/** Pass-1 loudness figures by audio rendition name (loudness.ts): required for every rendition with a loudness target. */
export type LoudnessMeasurements = Readonly<Record<string, LoudnessMeasurement>>;

export interface LadderEncodeOptions extends EncodeOptions {
  /** One absolute output path per rung, in plan order (MP4, faststart). */
  rungOutputs: readonly string[];
  /** One absolute output path per audio rendition, in plan order. */
  audioOutputs: readonly string[];
  loudness?: LoudnessMeasurements;
}

/**
 * The default encode: ONE ffmpeg that decodes the master once and feeds every rung
 * through `split`, plus each audio rendition as its own output. Progress goes to stdout
 * as `-progress` key=value blocks every 0.5 s (see progress.ts).
 */
export function encodeLadderArgs(plan: LadderPlan, options: LadderEncodeOptions): string[] {
  const input = checkInput(options.input, 'encode input');
  if (options.rungOutputs.length !== plan.rungs.length)
    throw mediaArgumentError(`expected ${plan.rungs.length} rung outputs, got ${options.rungOutputs.length}`);
  if (options.audioOutputs.length !== plan.audio.length)
    throw mediaArgumentError(`expected ${plan.audio.length} audio outputs, got ${options.audioOutputs.length}`);
  const outputs = options.rungOutputs.map((p, i) => checkPath(p, `rung ${i} output`));
  const audioOutputs = options.audioOutputs.map((p, i) => checkPath(p, `audio ${i} output`));
  checkDistinctPaths([input], [...outputs, ...audioOutputs]);
  const preset = checkPreset(plan, options.x264Preset);
  const args = [...head(), '-i', input];
  if (plan.rungs.length > 0) {
    args.push(
      '-filter_complex',
      ladderFilterGraph(
        plan,
        plan.rungs.map((_, i) => i),
      ),
    );
  }
  plan.rungs.forEach((rung, i) => args.push(...videoOutputArgs(plan, rung, `[v${i}]`, preset, outputs[i] as string)));
  plan.audio.forEach((audio, i) => args.push(...audioOutputArgs(audio, audioOutputs[i] as string, measurementOf(audio, options.loudness))));
  return args;
}

/**
 * One chunk of the ladder's video (chunk-plan.ts): the master read from the chunk's start
 * (`-ss` before `-i`: ffmpeg seeks to the keyframe before it and decodes up to it exactly),
 * every rung through the same `split` graph, `-frames:v` the chunk's frames, keyframes on the
 * programme's GOP grid. No audio: a chunked job's audio is encoded once, whole.
 */
export function encodeChunkArgs(
  plan: LadderPlan,
  chunk: Pick<ChunkRange, 'startSeconds' | 'firstGop' | 'frames'>,
  options: EncodeOptions & { rungOutputs: readonly string[] },
): string[] {
  const input = checkInput(options.input, 'encode input');
  if (plan.rungs.length === 0) throw mediaArgumentError('a chunk needs at least one rung');
  if (options.rungOutputs.length !== plan.rungs.length)
    throw mediaArgumentError(`expected ${plan.rungs.length} rung outputs, got ${options.rungOutputs.length}`);
  const outputs = options.rungOutputs.map((p, i) => checkPath(p, `rung ${i} output`));
  checkDistinctPaths([input], outputs);
  const preset = checkPreset(plan, options.x264Preset);
  const keyframes = { offsetSeconds: chunk.startSeconds, firstGop: chunk.firstGop, frames: chunk.frames };
  return [
    ...head(),
    '-ss',
    decimal(Math.floor(chunk.startSeconds * 1e6) / 1e6, 0, 1e7, 6, 'chunk start'),
    '-i',
    input,
    '-filter_complex',
    ladderFilterGraph(
      plan,
      plan.rungs.map((_, i) => i),
    ),
    ...plan.rungs.flatMap((rung, i) => videoOutputArgs(plan, rung, `[v${i}]`, preset, outputs[i] as string, keyframes)),
  ];
}

/** Every audio rendition of the plan, in one process reading the master once (a chunked job's audio). */
export function encodeAllAudioArgs(plan: LadderPlan, options: { input: string; audioOutputs: readonly string[]; loudness?: LoudnessMeasurements }): string[] {
  if (plan.audio.length === 0) throw mediaArgumentError('the plan has no audio renditions');
  return encodeLadderArgs(
    { ...plan, rungs: [] },
    { input: options.input, rungOutputs: [], audioOutputs: options.audioOutputs, ...(options.loudness ? { loudness: options.loudness } : {}) },
  );
}

/** One rung alone (per-rendition retry): the same filters and keyframe settings, so it stays GOP-aligned with the others. */
export function encodeRungArgs(plan: LadderPlan, rungIndex: number, options: EncodeOptions & { output: string }): string[] {
  const rung = plan.rungs[checkInt(rungIndex, 0, plan.rungs.length - 1, 'rung index')] as VideoRungPlan;
  const input = checkInput(options.input, 'encode input');
  const output = checkPath(options.output, 'rung output');
  checkDistinctPaths([input], [output]);
  return [
    ...head(),
    '-i',
    input,
    '-filter_complex',
    ladderFilterGraph(plan, [rungIndex]),
    ...videoOutputArgs(plan, rung, '[v0]', checkPreset(plan, options.x264Preset), output),
  ];
}

/** One audio rendition alone, by name (its retry). */
export function encodeAudioArgs(plan: LadderPlan, name: string, options: { input: string; output: string; loudness?: LoudnessMeasurements }): string[] {
  const audio = audioNamed(plan, name);
  const input = checkInput(options.input, 'encode input');
  const output = checkPath(options.output, 'audio output');
  checkDistinctPaths([input], [output]);
  return [...head(), '-i', input, ...audioOutputArgs(audio, output, measurementOf(audio, options.loudness))];
}

/** The audio rendition of the plan with this name; MEDIA_ARGUMENT_INVALID when there is none. */
export function audioNamed(plan: LadderPlan, name: string): AudioPlan {
  const audio = plan.audio.find((a) => a.name === name);
  if (!audio) throw mediaArgumentError(`the plan has no audio rendition named ${JSON.stringify(name)}`);
  return audio;
}

function measurementOf(audio: AudioPlan, loudness: LoudnessMeasurements | undefined): LoudnessMeasurement | null {
  return loudness && Object.hasOwn(loudness, audio.name) ? (loudness[audio.name] ?? null) : null;
}

function head(): string[] {
  // -y is safe: every builder checks that no output path is an input path.
  return ['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5', '-y'];
}

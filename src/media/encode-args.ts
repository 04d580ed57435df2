import type { AudioPlan, LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkDistinctPaths, checkInput, checkInt, checkPath, kbps } from './argv-values.js';
import { ladderFilterGraph } from './filter-graph.js';
import { mediaArgumentError } from './media-errors.js';
import { formatRational } from './rational.js';

/** libx264 speed/quality presets (typed: never a free string on the command line). */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

export interface EncodeOptions {
  /** Absolute path of the staged master. */
  input: string;
  /** libx264 preset; default "medium". Tests use "ultrafast". */
  x264Preset?: X264Preset;
}

export interface LadderEncodeOptions extends EncodeOptions {
  /** One absolute output path per rung, in plan order (MP4, faststart). */
  rungOutputs: readonly string[];
  /** Absolute output path of the audio rendition; required when the plan has audio, refused when it has none. */
  audioOutput?: string | null;
}

/**
 * The default encode: ONE ffmpeg that decodes the master once and feeds every rung
 * through `split`, plus the audio rendition as its own output. Progress goes to stdout
 * as `-progress` key=value blocks every 0.5 s (see progress.ts).
 */
export function encodeLadderArgs(plan: LadderPlan, options: LadderEncodeOptions): string[] {
  const input = checkInput(options.input, 'encode input');
  if (options.rungOutputs.length !== plan.rungs.length)
    throw mediaArgumentError(`expected ${plan.rungs.length} rung outputs, got ${options.rungOutputs.length}`);
  const outputs = options.rungOutputs.map((p, i) => checkPath(p, `rung ${i} output`));
  const audioOutput = audioOutputFor(plan, options.audioOutput);
  checkDistinctPaths([input], audioOutput ? [...outputs, audioOutput] : outputs);
  const preset = x264Preset(options.x264Preset);
  const args = [
    ...head(),
    '-i',
    input,
    '-filter_complex',
    ladderFilterGraph(
      plan,
      plan.rungs.map((_, i) => i),
    ),
  ];
  plan.rungs.forEach((rung, i) => args.push(...videoOutput(plan, rung, `[v${i}]`, preset, outputs[i] as string)));
  if (plan.audio && audioOutput) args.push(...audioOutputArgs(plan.audio, audioOutput));
  return args;
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
    ...videoOutput(plan, rung, '[v0]', x264Preset(options.x264Preset), output),
  ];
}

/** The audio rendition alone (its retry). */
export function encodeAudioArgs(plan: LadderPlan, options: { input: string; output: string }): string[] {
  if (!plan.audio) throw mediaArgumentError('the plan has no audio rendition');
  const input = checkInput(options.input, 'encode input');
  const output = checkPath(options.output, 'audio output');
  checkDistinctPaths([input], [output]);
  return [...head(), '-i', input, ...audioOutputArgs(plan.audio, output)];
}

function head(): string[] {
  // -y is safe: every builder checks that no output path is an input path.
  return ['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5', '-y'];
}

function x264Preset(p: X264Preset | undefined): X264Preset {
  const preset = p ?? 'medium';
  if (!X264_PRESETS.includes(preset)) throw mediaArgumentError(`unknown x264 preset ${String(preset)}`);
  return preset;
}

function audioOutputFor(plan: LadderPlan, output: string | null | undefined): string | null {
  if (plan.audio && !output) throw mediaArgumentError('the plan has an audio rendition: audioOutput is required');
  if (!plan.audio && output) throw mediaArgumentError('the plan has no audio rendition: audioOutput must be absent');
  return output ? checkPath(output, 'audio output') : null;
}

/** Keyframe policy, identical on every rung: a closed GOP every gopSeconds, no scene-cut keyframes. */
export function keyframeArgs(plan: LadderPlan): string[] {
  const g = String(checkInt(plan.gopFrames, 1, 10_000, 'GOP frames'));
  const seconds = checkInt(plan.gopSeconds, 1, 20, 'GOP seconds');
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
    `expr:gte(t,n_forced*${seconds})`,
    '-fps_mode',
    'cfr',
    '-r',
    formatRational(plan.frameRate),
  ];
}

function videoOutput(plan: LadderPlan, rung: VideoRungPlan, label: string, preset: X264Preset, output: string): string[] {
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
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-profile:v',
    rung.profile,
    '-level:v',
    rung.level,
    '-b:v',
    kbps(rung.bitrateKbps, 'bitrate'),
    '-maxrate',
    kbps(rung.maxrateKbps, 'maxrate'),
    '-bufsize',
    kbps(rung.bufsizeKbps, 'bufsize'),
    ...keyframeArgs(plan),
    '-color_primaries',
    'bt709',
    '-color_trc',
    'bt709',
    '-colorspace',
    'bt709',
    '-color_range',
    'tv',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    output,
  ];
}

function audioOutputArgs(audio: AudioPlan, output: string): string[] {
  return [
    '-map',
    `0:${checkInt(audio.streamIndex, 0, 65535, 'audio stream index')}`,
    '-vn',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-c:a',
    'aac',
    '-b:a',
    kbps(audio.bitrateKbps, 'audio bitrate'),
    '-ac',
    String(checkInt(audio.channels, 1, 8, 'audio channels')),
    '-ar',
    String(checkInt(audio.sampleRate, 8000, 192000, 'sample rate')),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    output,
  ];
}

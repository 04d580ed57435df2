import type { AudioPlan, LadderPlan } from './ladder-plan.js';
import type { LoudnessTarget } from './ladder-template.js';
import { decimal } from './argv-decimals.js';
import { checkInput, checkInt } from './argv-values.js';
import { channelFilter } from './audio-downmix.js';
import { mediaArgumentError } from './media-errors.js';

/**
 * Two-pass EBU R128 loudness normalisation (ffmpeg's `loudnorm`).
 *
 * Pass 1, `loudnessMeasureArgs`: one ffmpeg reads the master once and measures every listed
 * audio rendition — the source track through the rendition's own channel matrix
 * (audio-downmix.ts), so what is measured is exactly what pass 2 normalises — and prints one
 * JSON report per rendition on stderr (`-loglevel info`). `parseLoudnessReports` reads them back.
 *
 * Pass 2, `loudnormFilter`: the encode applies `loudnorm` with the target and the measured
 * values (linear gain when the measured range and peak allow it, else loudnorm's dynamic
 * mode), then resamples to 48 kHz (loudnorm works at 192 kHz in dynamic mode). Every figure
 * on the command line is a number parsed here and formatted again, never ffmpeg's text.
 */
export interface LoudnessMeasurement {
  /** Integrated loudness, LUFS; null: the track is silent (−inf), nothing to normalise. */
  inputI: number | null;
  /** True peak, dBTP; null when silent. */
  inputTP: number | null;
  /** Loudness range, LU. */
  inputLRA: number;
  /** Gating threshold, LUFS. */
  inputThresh: number;
  /** loudnorm's residual offset for pass 2, dB; null when silent. */
  targetOffset: number | null;
}

/** At most this many renditions per measure process: each report is ~330 bytes of the pool's 8 KB stderr tail. */
export const MEASURES_PER_PROCESS = 8;

/** loudnorm's accepted ranges (FFmpeg 7.1 `af_loudnorm.c`). */
const RANGE = {
  I: [-70, -5],
  TP: [-9, 0],
  LRA: [1, 50],
  measuredI: [-99, 0],
  measuredTP: [-99, 99],
  measuredLRA: [0, 99],
  measuredThresh: [-99, 0],
  offset: [-99, 99],
} as const;

/** `loudnorm=I=…:TP=…:LRA=…` of a target (both passes). */
function targetOptions(target: LoudnessTarget): string {
  return [
    `I=${decimal(target.integratedLufs, ...RANGE.I, 2, 'loudness target I')}`,
    `TP=${decimal(target.truePeakDbtp, ...RANGE.TP, 2, 'loudness target TP')}`,
    `LRA=${decimal(target.lra, ...RANGE.LRA, 2, 'loudness target LRA')}`,
  ].join(':');
}

/**
 * Pass 1 for the listed audio renditions (indexes into `plan.audio`, each with a loudness
 * target): `-filter_complex "[0:IDX]<matrix>,loudnorm@mK=…:print_format=json[mK];…" -map [mK]… -f null -`.
 * The filter instance `loudnorm@mK` names its report `[loudnorm@mK @ 0x…]` for K = position in the list.
 */
export function loudnessMeasureArgs(plan: LadderPlan, audioIndexes: readonly number[], input: string): string[] {
  if (audioIndexes.length === 0 || audioIndexes.length > MEASURES_PER_PROCESS)
    throw mediaArgumentError(`a loudness measure takes 1..${MEASURES_PER_PROCESS} audio renditions (got ${audioIndexes.length})`);
  const chains = audioIndexes.map((index, k) => {
    const audio = audioAt(plan, index);
    if (!audio.loudness) throw mediaArgumentError(`audio ${audio.name} has no loudness target`);
    const matrix = channelFilter(audio);
    const loudnorm = `loudnorm@m${k}=${targetOptions(audio.loudness)}:print_format=json`;
    return `[0:${checkInt(audio.streamIndex, 0, 65535, 'audio stream index')}]${matrix ? `${matrix},` : ''}${loudnorm}[m${k}]`;
  });
  return [
    '-hide_banner',
    '-nostats',
    // loudnorm prints its report at info level.
    '-loglevel',
    'info',
    '-i',
    checkInput(input, 'measure input'),
    '-filter_complex',
    chains.join(';'),
    ...audioIndexes.flatMap((_, k) => ['-map', `[m${k}]`]),
    '-f',
    'null',
    '-',
  ];
}

/**
 * The reports of a measure run, one per rendition of its list (by position); null where the
 * report is missing or not the JSON loudnorm prints. A report starts a line and the last one
 * of each instance wins: the master's own metadata in ffmpeg's input dump (indented, and
 * earlier) cannot stand in for it.
 */
export function parseLoudnessReports(stderr: string, count: number): (LoudnessMeasurement | null)[] {
  const found = new Map<number, string>();
  for (const m of stderr.matchAll(/^\[loudnorm@m(\d+) @ 0x[0-9a-f]+\] *\r?\n(\{[^{}]*\})/gm)) found.set(Number(m[1]), m[2] as string);
  return Array.from({ length: count }, (_, k) => {
    const block = found.get(k);
    return block === undefined ? null : readReport(block);
  });
}

function readReport(block: string): LoudnessMeasurement | null {
  let doc: unknown;
  try {
    doc = JSON.parse(block);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const r = doc as Record<string, unknown>;
  const i = figure(r['input_i']);
  const tp = figure(r['input_tp']);
  const lra = figure(r['input_lra']);
  const thresh = figure(r['input_thresh']);
  const offset = figure(r['target_offset']);
  if (i === undefined || tp === undefined || lra === undefined || thresh === undefined || offset === undefined) return null;
  if (lra === null || !Number.isFinite(lra) || thresh === null || !Number.isFinite(thresh)) return null;
  const silent = i === null || i === -Infinity;
  if (silent) return { inputI: null, inputTP: null, inputLRA: lra, inputThresh: thresh, targetOffset: null };
  if (!Number.isFinite(i) || tp === null || !Number.isFinite(tp) || offset === null || !Number.isFinite(offset)) return null;
  return { inputI: i, inputTP: tp, inputLRA: lra, inputThresh: thresh, targetOffset: offset };
}

/** loudnorm's "-21.84", "-inf", "inf"; undefined when not one of those. */
function figure(v: unknown): number | null | undefined {
  if (typeof v !== 'string') return undefined;
  if (v === '-inf') return -Infinity;
  if (v === 'inf') return Infinity;
  if (v === 'nan' || v === '-nan') return null;
  return /^-?\d{1,4}(\.\d{1,4})?$/.test(v) ? Number(v) : undefined;
}

/**
 * Pass 2: `loudnorm` with the target and the measurement, or null for a silent track (left
 * as it is). Measured figures outside loudnorm's option ranges are clamped to them (a master
 * louder than 0 LUFS), the measurement itself is recorded as measured.
 */
export function loudnormFilter(target: LoudnessTarget, m: LoudnessMeasurement): string | null {
  if (m.inputI === null || m.inputTP === null || m.targetOffset === null) return null;
  const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));
  return [
    `loudnorm=${targetOptions(target)}`,
    `measured_I=${decimal(clamp(m.inputI, RANGE.measuredI), ...RANGE.measuredI, 2, 'measured I')}`,
    `measured_TP=${decimal(clamp(m.inputTP, RANGE.measuredTP), ...RANGE.measuredTP, 2, 'measured TP')}`,
    `measured_LRA=${decimal(clamp(m.inputLRA, RANGE.measuredLRA), ...RANGE.measuredLRA, 2, 'measured LRA')}`,
    `measured_thresh=${decimal(clamp(m.inputThresh, RANGE.measuredThresh), ...RANGE.measuredThresh, 2, 'measured threshold')}`,
    `offset=${decimal(clamp(m.targetOffset, RANGE.offset), ...RANGE.offset, 2, 'offset')}`,
    'linear=true',
    'print_format=none',
  ].join(':');
}

/**
 * A measure run's stderr as kept for the audit trail: from the first report on, or — when
 * there is none — without ffmpeg's input/output dump, which lists the master's free-text
 * metadata (the appliance keeps that out of clear records, see probe-redaction.ts).
 */
export function measureRunLog(stderr: string): string {
  const first = stderr.search(/^\[loudnorm@m\d+ @ 0x[0-9a-f]+\]/m);
  if (first >= 0) return stderr.slice(first);
  return stderr
    .split('\n')
    .filter((line) => !/^(\s|Input #|Output #|Stream mapping:|Press \[q\])/.test(line))
    .join('\n');
}

function audioAt(plan: LadderPlan, index: number): AudioPlan {
  const audio = plan.audio[checkInt(index, 0, plan.audio.length - 1, 'audio index')];
  if (!audio) throw mediaArgumentError(`no audio rendition ${index}`);
  return audio;
}

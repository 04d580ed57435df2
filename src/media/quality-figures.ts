import { ApplianceError } from '../errors/appliance-error.js';
import type { QualityWindow } from './quality-sample.js';
import type { Rational } from './rational.js';

/**
 * The quality figures of one rendition (docs/quality.md): the per-frame lines of the
 * psnr, ssim and xpsnr filters' stats files, parsed and aggregated.
 *
 *   PSNR   `psnr_avg` of each line: the filter's pixel-count weighted mean of the Y, U, V
 *          squared errors (4:1:1 for 4:2:0), in dB
 *   SSIM   `All` of each line: the filter's pixel-count weighted mean of Y, U, V SSIM
 *   XPSNR  the filter prints Y, U and V only; they are combined as `psnr_avg` is, in the
 *          squared-error domain weighted 4:1:1 (every rung is 4:2:0): see `xpsnrYuv`
 *
 * A frame the two sides show identically has an infinite PSNR/XPSNR: it counts as
 * INFINITE_DB_CEILING dB, so one still scene cannot make a mean infinite.
 */

/** The dB value an infinite (or larger) per-frame PSNR or XPSNR counts as. */
export const INFINITE_DB_CEILING = 100;

export interface QualityMetric {
  /** Mean of the per-frame values over every sampled frame (dB capped at INFINITE_DB_CEILING). */
  mean: number;
  min: number;
  /** Programme start time of the segment (gopSeconds long) with the lowest mean among those sampled. */
  worstSegmentSeconds: number;
}

export interface QualityFigures {
  psnr: QualityMetric;
  ssim: QualityMetric;
  /** Null when the image's ffmpeg has no xpsnr filter. */
  xpsnr: QualityMetric | null;
  /** Frames measured (every metric measured the same frames). */
  frames: number;
  /** frames × the plan's frame duration. */
  sampledSeconds: number;
  windows: QualityWindow[];
}

/** The per-frame values of one measured window, in frame order. */
export interface QualityWindowSeries {
  window: QualityWindow;
  psnr: number[];
  ssim: number[];
  xpsnr: number[] | null;
}

export function qualityStatsError(message: string, details?: Record<string, unknown>): ApplianceError {
  return new ApplianceError('MEDIA_QUALITY_STATS_INVALID', message, { ...(details ? { details } : {}) });
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|inf|-nan|nan)`;
/** `n:1 mse_avg:77.69 mse_y:70.02 mse_u:75.59 mse_v:110.45 psnr_avg:29.23 psnr_y:29.68 psnr_u:29.35 psnr_v:27.70` */
const PSNR_LINE = new RegExp(String.raw`^n:(\d+) mse_avg:\S+ .*\bpsnr_avg:${NUMBER}(?: |$)`);
/** `n:1 Y:0.911850 U:0.875969 V:0.861509 All:0.897480 (9.891909)` */
const SSIM_LINE = new RegExp(String.raw`^n:(\d+) Y:\S+ U:\S+ V:\S+ All:${NUMBER} \(\S+\)$`);
/** `n:    1  XPSNR y: 33.1867  XPSNR u: 33.1338  XPSNR v: 31.1883` */
const XPSNR_LINE = new RegExp(String.raw`^n:\s*(\d+)  XPSNR y: ${NUMBER}  XPSNR u: ${NUMBER}  XPSNR v: ${NUMBER}$`);
/** The summary the xpsnr filter appends after a blank line: `XPSNR average, 50 frames  y: 23.5359  u: …` */
const XPSNR_SUMMARY = /^XPSNR average, (\d+) frames /;

/** `psnr_avg` of each line of a psnr stats file (stats_version 1); Infinity for `inf`. */
export function parsePsnrStats(text: string, what = 'psnr stats'): number[] {
  return parseLines(text, what, PSNR_LINE, (m) => [value(m[2] as string, what)]).map(([v]) => v as number);
}

/** `All` of each line of an ssim stats file. */
export function parseSsimStats(text: string, what = 'ssim stats'): number[] {
  return parseLines(text, what, SSIM_LINE, (m) => [value(m[2] as string, what)]).map(([v]) => v as number);
}

/** Y, U and V of each line of an xpsnr stats file, combined by `xpsnrYuv`; the filter's summary line must count the same frames. */
export function parseXpsnrStats(text: string, what = 'xpsnr stats'): number[] {
  const lines = text.split('\n');
  const summaryAt = lines.findIndex((l) => XPSNR_SUMMARY.test(l));
  const body = summaryAt < 0 ? lines : lines.slice(0, summaryAt);
  const frames = parseLines(body.join('\n'), what, XPSNR_LINE, (m) => [2, 3, 4].map((k) => value(m[k] as string, what)));
  if (summaryAt >= 0) {
    const counted = Number(XPSNR_SUMMARY.exec(lines[summaryAt] as string)?.[1]);
    if (counted !== frames.length) throw qualityStatsError(`${what}: the summary counts ${counted} frames, the file has ${frames.length}`);
    if (lines.slice(summaryAt + 1).some((l) => l.trim() !== '')) throw qualityStatsError(`${what}: text after the summary line`);
  }
  return frames.map(([y, u, v]) => xpsnrYuv(y as number, u as number, v as number));
}

/**
 * One XPSNR of a 4:2:0 frame from its three planes, weighted as the psnr filter's `psnr_avg`:
 * each plane's dB back to a relative squared error (10^(−dB/10)), their mean weighted by
 * sample count (Y 4, U 1, V 1), back to dB. Infinite when every plane is.
 */
export function xpsnrYuv(y: number, u: number, v: number): number {
  const error = (db: number) => (db === Infinity ? 0 : 10 ** (-db / 10));
  const mean = (4 * error(y) + error(u) + error(v)) / 6;
  return mean === 0 ? Infinity : -10 * Math.log10(mean);
}

function value(text: string, what: string): number {
  if (text === 'inf') return Infinity;
  const n = Number(text);
  if (!Number.isFinite(n)) throw qualityStatsError(`${what}: ${text} is not a measurement`);
  return n;
}

/** Every non-empty line must match `pattern`, numbered n = 1, 2, … in order; at least one line. */
function parseLines(text: string, what: string, pattern: RegExp, read: (m: RegExpExecArray) => number[]): number[][] {
  if (typeof text !== 'string') throw qualityStatsError(`${what}: not text`);
  const out: number[][] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === '') continue;
    const m = pattern.exec(trimmed);
    if (!m) throw qualityStatsError(`${what}: line ${out.length + 1} is not a stats line: ${JSON.stringify(trimmed.slice(0, 120))}`);
    if (Number(m[1]) !== out.length + 1) throw qualityStatsError(`${what}: frame ${m[1]} where frame ${out.length + 1} was expected`);
    out.push(read(m));
  }
  if (out.length === 0) throw qualityStatsError(`${what}: no frames`);
  return out;
}

/**
 * The figures of every measured window. Frame i of a window starting at S is the programme's
 * frame ceil(S × rate) + i, on the plan's constant frame grid; it belongs to the segment
 * floor(its time / gopSeconds).
 */
export function qualityFigures(series: readonly QualityWindowSeries[], timing: { frameRate: Rational; gopSeconds: number }): QualityFigures {
  const { num, den } = timing.frameRate;
  if (!(Number.isSafeInteger(num) && Number.isSafeInteger(den) && num > 0 && den > 0)) throw qualityStatsError(`frame rate ${num}/${den} is not a rate`);
  if (!(timing.gopSeconds > 0)) throw qualityStatsError(`segment duration ${timing.gopSeconds} s is not a duration`);
  if (series.length === 0) throw qualityStatsError('no measured window');
  const frames: { segment: number; psnr: number; ssim: number; xpsnr: number | null }[] = [];
  const withXpsnr = series.every((s) => s.xpsnr !== null);
  for (const s of series) {
    const n = s.psnr.length;
    if (s.ssim.length !== n || (s.xpsnr && s.xpsnr.length !== n))
      throw qualityStatsError(`window at ${s.window.startSeconds} s: psnr measured ${n} frames, ssim ${s.ssim.length}, xpsnr ${s.xpsnr?.length ?? '-'}`, {
        window: s.window,
      });
    if (n === 0) throw qualityStatsError(`window at ${s.window.startSeconds} s: no frames`, { window: s.window });
    const first = Math.ceil((s.window.startSeconds * num) / den - 1e-9);
    for (let i = 0; i < n; i++) {
      frames.push({
        segment: Math.floor(((first + i) * den) / (num * timing.gopSeconds)),
        psnr: capDb(s.psnr[i] as number),
        ssim: s.ssim[i] as number,
        xpsnr: withXpsnr ? capDb((s.xpsnr as number[])[i] as number) : null,
      });
    }
  }
  const metric = (pick: (f: (typeof frames)[number]) => number): QualityMetric => aggregate(frames, pick, timing.gopSeconds);
  return {
    psnr: metric((f) => f.psnr),
    ssim: metric((f) => f.ssim),
    xpsnr: withXpsnr ? metric((f) => f.xpsnr as number) : null,
    frames: frames.length,
    sampledSeconds: (frames.length * den) / num,
    windows: series.map((s) => ({ ...s.window })),
  };
}

function capDb(db: number): number {
  return Math.min(db, INFINITE_DB_CEILING);
}

function aggregate<F extends { segment: number }>(frames: readonly F[], pick: (f: F) => number, gopSeconds: number): QualityMetric {
  let sum = 0;
  let min = Infinity;
  const bySegment = new Map<number, { sum: number; n: number }>();
  for (const f of frames) {
    const v = pick(f);
    sum += v;
    min = Math.min(min, v);
    const seg = bySegment.get(f.segment) ?? { sum: 0, n: 0 };
    seg.sum += v;
    seg.n += 1;
    bySegment.set(f.segment, seg);
  }
  let worst = -1;
  let worstMean = Infinity;
  for (const [segment, s] of [...bySegment].sort(([a], [b]) => a - b)) {
    if (s.sum / s.n < worstMean) [worst, worstMean] = [segment, s.sum / s.n];
  }
  return { mean: sum / frames.length, min, worstSegmentSeconds: worst * gopSeconds };
}

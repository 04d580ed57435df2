import { checkInt } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';

/**
 * Which part of the programme the quality gate measures (docs/quality.md): `count` whole
 * segments spread evenly over it, or all of it.
 */
export type QualitySample = { kind: 'segments'; count: number } | { kind: 'all' };

/** A stretch of the programme, in seconds from its start, measured by one process. */
export interface QualityWindow {
  startSeconds: number;
  durationSeconds: number;
}

/** Sampling more segments than this is sampling everything: say `all`. */
export const MAX_SAMPLED_SEGMENTS = 10_000;

/**
 * The windows of `sample` over a programme of `durationSeconds` cut into segments of
 * `segmentSeconds` (segment k starts at k × segmentSeconds; the last one may be shorter).
 *
 *   segments, N ≥ number of segments M → every segment, in order
 *   segments, N = 1                     → the middle segment, floor((M − 1) / 2)
 *   segments, 2 ≤ N < M                 → segments round(i × (M − 1) / (N − 1)), i = 0..N−1:
 *                                         the first and the last, the rest evenly between
 *   all                                 → one window, the whole programme
 */
export function qualityWindows(durationSeconds: number, segmentSeconds: number, sample: QualitySample): QualityWindow[] {
  if (!(Number.isFinite(durationSeconds) && durationSeconds > 0)) throw mediaArgumentError(`programme duration must be > 0 s (got ${durationSeconds})`);
  if (!(Number.isFinite(segmentSeconds) && segmentSeconds > 0)) throw mediaArgumentError(`segment duration must be > 0 s (got ${segmentSeconds})`);
  if (sample.kind === 'all') return [{ startSeconds: 0, durationSeconds: seconds(durationSeconds) }];
  if (sample.kind !== 'segments') throw mediaArgumentError(`unknown quality sample ${JSON.stringify((sample as { kind: unknown }).kind)}`);
  const count = checkInt(sample.count, 1, MAX_SAMPLED_SEGMENTS, 'sampled segment count');
  // A duration a hair over a whole number of segments (float noise) makes no extra segment.
  const total = Math.max(1, Math.ceil(durationSeconds / segmentSeconds - 1e-6));
  let picked: number[];
  if (count >= total) picked = Array.from({ length: total }, (_, k) => k);
  else if (count === 1) picked = [Math.floor((total - 1) / 2)];
  else picked = Array.from({ length: count }, (_, i) => Math.round((i * (total - 1)) / (count - 1)));
  return picked.map((k) => {
    const start = k * segmentSeconds;
    return { startSeconds: seconds(start), durationSeconds: seconds(Math.min(segmentSeconds, durationSeconds - start)) };
  });
}

/** Seconds to the microsecond: what goes on a command line, without float noise (4 − 1.96 is not 2.04). */
function seconds(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

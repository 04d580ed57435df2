import type { LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkInt } from './argv-values.js';

/**
 * The video filter graph, shared by the one-decode ladder command and the single-rung
 * retry so both make identical pictures. The decoder's autorotate (ffmpeg's default)
 * has already turned the picture upright when it enters the graph.
 *
 *   [0:IDX] bwdif (interlaced only) → split=N → per rung: scale (lanczos, BT.709, tv range)
 *           → format=yuv420p → setsar (exact) → [vI]
 */
export function sourceChain(plan: LadderPlan): string[] {
  const steps: string[] = [];
  if (plan.deinterlace) steps.push(`bwdif=mode=send_frame:parity=${plan.parity}:deint=all`);
  return steps;
}

export function rungChain(rung: VideoRungPlan): string {
  const w = checkInt(rung.width, 2, 8192, 'rung width');
  const h = checkInt(rung.height, 2, 8192, 'rung height');
  const max = Math.max(100, rung.sar.num, rung.sar.den);
  return [
    `scale=w=${w}:h=${h}:flags=lanczos:out_color_matrix=bt709:out_range=tv`,
    'format=yuv420p',
    // setsar reduces its ratio to `max` (default 100): give it room for the exact value.
    `setsar=sar=${checkInt(rung.sar.num, 1, 2 ** 31 - 1, 'sar')}/${checkInt(rung.sar.den, 1, 2 ** 31 - 1, 'sar')}:max=${max}`,
  ].join(',');
}

/** `-filter_complex` text feeding every rung (or the listed ones) from one decode; outputs are labelled [v0], [v1], … */
export function ladderFilterGraph(plan: LadderPlan, rungIndexes: readonly number[]): string {
  const input = `[0:${checkInt(plan.videoStreamIndex, 0, 65535, 'video stream index')}]`;
  const head = sourceChain(plan);
  const rungs = rungIndexes.map((i) => {
    const r = plan.rungs[i];
    if (!r) throw new RangeError(`no rung ${i}`);
    return r;
  });
  if (rungs.length === 1) return `${input}${[...head, rungChain(rungs[0] as VideoRungPlan)].join(',')}[v0]`;
  const split = `${input}${[...head, `split=${rungs.length}`].join(',')}${rungs.map((_, i) => `[s${i}]`).join('')}`;
  return [split, ...rungs.map((r, i) => `[s${i}]${rungChain(r)}[v${i}]`)].join(';');
}

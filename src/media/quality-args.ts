import { decimal } from './argv-decimals.js';
import { checkDistinctPaths, checkInput, checkInt, checkPath } from './argv-values.js';
import { ladderFilterGraph } from './filter-graph.js';
import type { LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { mediaArgumentError } from './media-errors.js';
import type { QualityWindow } from './quality-sample.js';

/** Where the three filters write their per-frame lines; `xpsnr: null` leaves XPSNR out (an image without the filter). */
export interface QualityStatsFiles {
  psnr: string;
  ssim: string;
  xpsnr: string | null;
}

export interface QualityWindowOptions {
  /** The encoded rung (MP4) as the encode stage wrote it. */
  rendition: string;
  /** The master the rung was encoded from: a local path or the loopback range-server URL of an encrypted one. */
  master: string;
  window: QualityWindow;
  stats: QualityStatsFiles;
}

/**
 * One ffmpeg measuring one window of one rung: PSNR, SSIM and XPSNR of the rendition
 * against the master put through the rung's own encode chain (docs/quality.md).
 *
 *   input 0: -ss S -t D -i MASTER       input 1: -ss S -t D -i RENDITION
 *   [0:IDX] ladderFilterGraph(plan, [rung]) [v0]   (deinterlace, scale, tone-map, format, setsar:
 *                                                   the very text the encode used)
 *   [v0] fps=RATE, settb=AVTB [ref]                 (RATE: the plan's; the encode's -r)
 *   [1:v:0] format=PIXFMT, fps=RATE, settb=AVTB, split=K [d0]…
 *   [ref][d0] psnr → [ssim] → [xpsnr] → null muxer
 *
 * The master is input 0 so the encode's graph is reused verbatim. The reference is the
 * FIRST input of each filter and goes through psnr, then ssim, then xpsnr (each passes its
 * first input on unchanged), so only the rendition is split: XPSNR takes its perceptual
 * weights from its first input, which must be the original. Both sides are put on the
 * plan's frame grid and the same time base, so each rendition frame meets the reference
 * frame of the same instant; `shortest=1` ends each filter with the shorter side.
 *
 * One process per window: each seeks (the rendition to a keyframe, as windows start on
 * segment boundaries) and decodes only its window. Stats file paths go into the filter
 * graph text, so they are held to a plain character set rather than escaped.
 */
export function qualityWindowArgs(plan: LadderPlan, rungIndex: number, options: QualityWindowOptions): string[] {
  const rung = plan.rungs[checkInt(rungIndex, 0, plan.rungs.length - 1, 'rung index')] as VideoRungPlan;
  const master = checkInput(options.master, 'quality master');
  const rendition = checkInput(options.rendition, 'quality rendition');
  const stats = [options.stats.psnr, options.stats.ssim, ...(options.stats.xpsnr === null ? [] : [options.stats.xpsnr])].map((p) => graphSafePath(p));
  checkDistinctPaths([master, rendition], stats);
  const start = decimal(options.window.startSeconds, 0, 1e7, 6, 'window start');
  const duration = decimal(options.window.durationSeconds, 1e-6, 1e7, 6, 'window duration');
  if (Number(duration) <= 0) throw mediaArgumentError(`window duration ${options.window.durationSeconds} s rounds to nothing`);
  return [
    ...['-hide_banner', '-loglevel', 'warning', '-nostats'],
    ...['-ss', start, '-t', duration, '-i', master],
    ...['-ss', start, '-t', duration, '-i', rendition],
    '-filter_complex',
    qualityFilterGraph(plan, rungIndex, rung, stats),
    ...['-map', '[q]', '-f', 'null', '-'],
  ];
}

function qualityFilterGraph(plan: LadderPlan, rungIndex: number, rung: VideoRungPlan, stats: string[]): string {
  const fps = `${checkInt(plan.frameRate.num, 1, 1_000_000, 'frame rate')}/${checkInt(plan.frameRate.den, 1, 1_000_000, 'frame rate')}`;
  const rate = `fps=fps=${fps},settb=expr=AVTB`;
  const pixelFormat = rung.bitDepth === 10 ? 'yuv420p10le' : 'yuv420p';
  const [psnr, ssim, xpsnr] = stats as [string, string, string | undefined];
  const metrics = [`psnr=stats_file=${psnr}:shortest=1`, `ssim=stats_file=${ssim}:shortest=1`, ...(xpsnr ? [`xpsnr=stats_file=${xpsnr}:shortest=1`] : [])];
  const parts = [
    ladderFilterGraph(plan, [rungIndex]),
    `[v0]${rate}[m0]`,
    `[1:v:0]format=${pixelFormat},${rate},split=${metrics.length}${metrics.map((_, i) => `[d${i}]`).join('')}`,
    ...metrics.map((filter, i) => `[m${i}][d${i}]${filter}${i === metrics.length - 1 ? '[q]' : `[m${i + 1}]`}`),
  ];
  return parts.join(';');
}

/**
 * A stats file path placed inside filter-graph text: absolute, and only letters, digits and
 * `/ . _ + -` (no `:` `,` `;` `[` `]` `'` `\` `=` or space, which the graph parser would read).
 */
export function graphSafePath(path: string): string {
  checkPath(path, 'quality stats file');
  if (!/^[A-Za-z0-9/._+-]+$/.test(path) || path.split('/').includes('..'))
    throw mediaArgumentError('a quality stats file path may hold only letters, digits and / . _ + - (it goes into filter-graph text)', { path });
  return path;
}

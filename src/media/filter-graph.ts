import type { LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkInt } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';

/**
 * The video filter graph, shared by the one-decode ladder command and the single-rung
 * retry so both make identical pictures. The decoder's autorotate (ffmpeg's default)
 * has already turned the picture upright when it enters the graph.
 *
 *   [0:IDX] bwdif (interlaced only) → split=N → per rung, by its range:
 *     SDR from SDR:  scale (lanczos, BT.709 matrix, tv range) → format=yuv420p (Main 10: yuv420p10le)
 *     HDR from HDR:  scale (lanczos, no matrix change, tv range) → format=yuv420p10le (BT.2020 kept)
 *     SDR from HDR:  scale (lanczos, 10-bit, still PQ/HLG) → tone-map (zscale to linear light,
 *                    BT.709 primaries, Hable, zscale to BT.709) → format=yuv420p → HDR side data dropped
 *   → setsar (exact) → [vI]
 *
 * Tone-mapping comes after the scale: the tone-map (float RGB) runs on the rung's picture,
 * not the master's, which measured faster even when three SDR rungs share one master
 * (docs/media.md, "HDR"): a 2160p PQ master to 1080p + 720p + 480p SDR, 25 frames:
 * 3.8 s scale-then-tone-map per rung against 5.5 s tone-map-once-at-2160p-then-scale.
 */
export function sourceChain(plan: LadderPlan): string[] {
  const steps: string[] = [];
  if (plan.deinterlace) steps.push(`bwdif=mode=send_frame:parity=${plan.parity}:deint=all`);
  return steps;
}

/** zscale names of the master's HDR transfer. */
const ZSCALE_TRANSFER = { pq: 'smpte2084', hlg: 'arib-std-b67' } as const;

/**
 * HDR (PQ or HLG, BT.2020) to SDR BT.709, on a picture already at the rung's size: to
 * linear light (100 cd/m² nominal peak), BT.709 primaries in float RGB, the Hable curve
 * without desaturation, back to BT.709 transfer and matrix in tv range. The input's
 * transfer, primaries and matrix are named rather than read from the frame, so a master
 * that tags only its transfer still tone-maps.
 */
export function tonemapChain(plan: LadderPlan): string[] {
  if (plan.sourceRange === 'sdr') throw mediaArgumentError('a tone-mapped rung needs an HDR master (the plan says SDR)');
  return [
    `zscale=tin=${ZSCALE_TRANSFER[plan.sourceRange]}:min=bt2020nc:pin=bt2020:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
  ];
}

/** The SDR picture must not carry the master's HDR10 metadata: ffmpeg would write it into the H.264 SEI and the MP4 `mdcv`/`clli` boxes. */
const DROP_HDR_SIDE_DATA = ['sidedata=mode=delete:type=MASTERING_DISPLAY_METADATA', 'sidedata=mode=delete:type=CONTENT_LIGHT_LEVEL'];

export function rungChain(plan: LadderPlan, rung: VideoRungPlan): string {
  const w = checkInt(rung.width, 2, 8192, 'rung width');
  const h = checkInt(rung.height, 2, 8192, 'rung height');
  const max = Math.max(100, rung.sar.num, rung.sar.den);
  if (rung.bitDepth !== 8 && rung.bitDepth !== 10) throw mediaArgumentError(`rung ${rung.name}: bit depth ${String(rung.bitDepth)} is not 8 or 10`);
  const pixelFormat = rung.bitDepth === 10 ? 'yuv420p10le' : 'yuv420p';
  let steps: string[];
  if (rung.range !== 'sdr') {
    if (rung.range !== plan.sourceRange)
      throw mediaArgumentError(`rung ${rung.name}: a ${rung.range} rung from a ${plan.sourceRange} master (no conversion between HDR transfers)`);
    if (rung.bitDepth !== 10) throw mediaArgumentError(`rung ${rung.name}: HDR rungs are 10-bit`);
    steps = [`scale=w=${w}:h=${h}:flags=lanczos:out_range=tv`, 'format=yuv420p10le'];
  } else if (rung.tonemap) {
    steps = [`scale=w=${w}:h=${h}:flags=lanczos:out_range=tv`, 'format=yuv420p10le', ...tonemapChain(plan), `format=${pixelFormat}`, ...DROP_HDR_SIDE_DATA];
  } else {
    if (plan.sourceRange !== 'sdr') throw mediaArgumentError(`rung ${rung.name}: an SDR rung from a ${plan.sourceRange} master must be tone-mapped`);
    steps = [`scale=w=${w}:h=${h}:flags=lanczos:out_color_matrix=bt709:out_range=tv`, `format=${pixelFormat}`];
  }
  // setsar reduces its ratio to `max` (default 100): give it room for the exact value.
  steps.push(`setsar=sar=${checkInt(rung.sar.num, 1, 2 ** 31 - 1, 'sar')}/${checkInt(rung.sar.den, 1, 2 ** 31 - 1, 'sar')}:max=${max}`);
  return steps.join(',');
}

/** `-filter_complex` text feeding every rung (or the listed ones) from one decode; outputs are labelled [v0], [v1], … */
export function ladderFilterGraph(plan: LadderPlan, rungIndexes: readonly number[]): string {
  const input = `[0:${checkInt(plan.videoStreamIndex, 0, 65535, 'video stream index')}]`;
  const head = sourceChain(plan);
  const rungs = rungIndexes.map((i) => {
    const r = plan.rungs[i];
    if (!r) throw mediaArgumentError(`no rung ${i}`);
    return r;
  });
  if (rungs.length === 0) throw mediaArgumentError('no rung to encode');
  if (rungs.length === 1) return `${input}${[...head, rungChain(plan, rungs[0] as VideoRungPlan)].join(',')}[v0]`;
  const split = `${input}${[...head, `split=${rungs.length}`].join(',')}${rungs.map((_, i) => `[s${i}]`).join('')}`;
  return [split, ...rungs.map((r, i) => `[s${i}]${rungChain(plan, r)}[v${i}]`)].join(';');
}

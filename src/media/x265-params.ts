import type { HdrMetadata } from './media-info.js';
import type { LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkInt } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';

/**
 * The `-x265-params` value of an HEVC rung, built from checked numbers and fixed words only:
 *
 *   keyint=G:min-keyint=G:no-scenecut=1:no-open-gop=1:bframes=B      the ladder's GOP, closed
 *   level-idc=51:no-high-tier=1                                      the planned level, Main tier (the hvc1 "L" string)
 *   vbv-maxrate=K:vbv-bufsize=K                                      the rung's VBV
 *   colorprim=…:transfer=…:colormatrix=…:range=limited               VUI of the rung's range
 *   PQ:  hdr10=1:repeat-headers=1[:master-display=G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)][:max-cll=CLL,FALL]
 *   HLG: repeat-headers=1 (transfer arib-std-b67, no HDR10 SEI)
 *   log-level=warning                                                x265's own banner off the stderr tail
 */
export function x265Params(plan: LadderPlan, rung: VideoRungPlan): string {
  const g = checkInt(plan.gopFrames, 1, 10_000, 'GOP frames');
  const params: string[] = [
    `keyint=${g}`,
    `min-keyint=${g}`,
    'no-scenecut=1',
    'no-open-gop=1',
    `bframes=${checkInt(plan.bFrames, 0, 16, 'B-frames')}`,
    `level-idc=${x265Level(rung.level)}`,
    'no-high-tier=1',
    `vbv-maxrate=${checkInt(rung.maxrateKbps, 1, 1_000_000, 'maxrate')}`,
    `vbv-bufsize=${checkInt(rung.bufsizeKbps, 1, 1_000_000, 'bufsize')}`,
    ...vui(rung),
  ];
  if (rung.range === 'pq') {
    params.push('hdr10=1', 'repeat-headers=1');
    params.push(...hdr10Params(rung.hdrMetadata));
  } else if (rung.range === 'hlg') params.push('repeat-headers=1');
  params.push('log-level=warning');
  return params.join(':');
}

/** "5.1" → 51, "4" → 40: x265's `level-idc` (level × 10) for the HEVC levels the planner uses. */
export function x265Level(level: string): number {
  const m = /^([1-6])(?:\.([0-2]))?$/.exec(level);
  if (!m) throw mediaArgumentError(`HEVC level ${JSON.stringify(level)} is not one of 1 … 6.2`, { what: 'level' });
  return Number(m[1]) * 10 + Number(m[2] ?? 0);
}

function vui(rung: VideoRungPlan): string[] {
  if (rung.range === 'sdr') return ['colorprim=bt709', 'transfer=bt709', 'colormatrix=bt709', 'range=limited'];
  const transfer = rung.range === 'pq' ? 'smpte2084' : 'arib-std-b67';
  return ['colorprim=bt2020', `transfer=${transfer}`, 'colormatrix=bt2020nc', 'range=limited'];
}

/** `master-display` and `max-cll` from the master's static metadata (each only when the master has it). */
export function hdr10Params(meta: HdrMetadata | null): string[] {
  const out: string[] = [];
  const md = meta?.masteringDisplay;
  if (md) {
    const xy = (p: readonly [number, number], what: string) => `(${checkInt(p[0], 0, 50_000, `${what} x`)},${checkInt(p[1], 0, 50_000, `${what} y`)})`;
    const max = checkInt(md.maxLuminance, 1, 100_000_000, 'max luminance');
    const min = checkInt(md.minLuminance, 0, max - 1, 'min luminance');
    out.push(`master-display=G${xy(md.green, 'green')}B${xy(md.blue, 'blue')}R${xy(md.red, 'red')}WP${xy(md.whitePoint, 'white point')}L(${max},${min})`);
  }
  const cl = meta?.contentLight;
  if (cl) out.push(`max-cll=${checkInt(cl.maxCll, 0, 65_535, 'MaxCLL')},${checkInt(cl.maxFall, 0, 65_535, 'MaxFALL')}`);
  return out;
}

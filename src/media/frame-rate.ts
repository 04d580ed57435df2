import type { VideoInfo } from './media-info.js';
import { rational, toNumber, type Rational } from './rational.js';

const STANDARD_RATES: readonly Rational[] = [
  rational(24000, 1001),
  rational(24, 1),
  rational(25, 1),
  rational(30000, 1001),
  rational(30, 1),
  rational(48, 1),
  rational(50, 1),
  rational(60000, 1001),
  rational(60, 1),
];

/** The one output frame rate of every rung, and whether the source's was variable; decisions go to `notes`. */
export function outputFrameRate(video: VideoInfo, max: number, notes: string[]): { frameRate: Rational; variable: boolean } {
  let rate = video.frameRate ?? video.averageFrameRate;
  let variable = false;
  if (video.variableFrameRate && video.averageFrameRate) {
    if (video.interlaced && video.frameRate && Math.abs(toNumber(video.frameRate) / toNumber(video.averageFrameRate) - 2) < 0.01) {
      rate = video.averageFrameRate; // field rate reported as r_frame_rate: the frame rate is avg
    } else {
      variable = true;
      rate = nearestStandard(toNumber(video.averageFrameRate));
      notes.push(`variable frame rate (r ${fmt(video.frameRate)}, avg ${fmt(video.averageFrameRate)}): output is constant ${fmt(rate)} fps`);
    }
  }
  if (!rate) {
    rate = rational(25, 1);
    notes.push('no frame rate in the source: output is 25 fps');
  }
  if (toNumber(rate) > max + 1e-6) {
    const k = Math.ceil(toNumber(rate) / max - 1e-9);
    const reduced = rational(rate.num, rate.den * k);
    notes.push(`frame rate ${fmt(rate)} is over ${max}: output is ${fmt(reduced)} fps (every ${k}th frame)`);
    rate = reduced;
  }
  if (video.interlaced) notes.push(`interlaced (${video.fieldOrder}): deinterlaced with bwdif, one frame per frame`);
  return { frameRate: rate, variable };
}

function nearestStandard(fps: number): Rational {
  let best = STANDARD_RATES[0] as Rational;
  for (const r of STANDARD_RATES) if (Math.abs(Math.log(toNumber(r) / fps)) < Math.abs(Math.log(toNumber(best) / fps))) best = r;
  return best;
}

function fmt(r: Rational | null): string {
  return r ? (r.den === 1 ? String(r.num) : `${r.num}/${r.den}`) : '?';
}

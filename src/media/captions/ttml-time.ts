/**
 * TTML time expressions (TTML1 §10.3.1) in the media time base: clock times
 * `HH:MM:SS`, `HH:MM:SS.fff`, `HH:MM:SS:FF` and `HH:MM:SS:FF.ss` (frames at the effective
 * frame rate, sub-frames at ttp:subFrameRate), and offset times `12.5s`, `500ms`, `1.5h`,
 * `2m`, `60f`, `100t` (ticks at ttp:tickRate).
 */

export interface TtmlRates {
  /** ttp:frameRate × ttp:frameRateMultiplier (default 30). */
  frameRate: number;
  /** ttp:subFrameRate (default 1). */
  subFrameRate: number;
  /** ttp:tickRate (default: frameRate × subFrameRate when ttp:frameRate is given, else 1). */
  tickRate: number;
}

export const DEFAULT_TTML_RATES: TtmlRates = { frameRate: 30, subFrameRate: 1, tickRate: 1 };

const CLOCK = /^(\d{1,3}):(\d{2}):(\d{2})(?:(\.\d+)|:(\d{2,3})(?:\.(\d+))?)?$/;
const OFFSET = /^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$/;

/** Seconds, or null when the text is not a time expression. */
export function parseTtmlTime(text: string, rates: TtmlRates = DEFAULT_TTML_RATES): number | null {
  const expr = text.trim();
  const clock = CLOCK.exec(expr);
  if (clock) {
    const [, h, m, s, fraction, frames, subFrames] = clock;
    if (Number(m) > 59 || Number(s) > 60) return null;
    let seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
    if (fraction) seconds += Number(`0${fraction}`);
    if (frames) seconds += Number(frames) / rates.frameRate;
    if (subFrames) seconds += Number(subFrames) / (rates.frameRate * rates.subFrameRate);
    return seconds;
  }
  const offset = OFFSET.exec(expr);
  if (!offset) return null;
  const value = Number(offset[1]);
  switch (offset[2]) {
    case 'h':
      return value * 3600;
    case 'm':
      return value * 60;
    case 's':
      return value;
    case 'ms':
      return value / 1000;
    case 'f':
      return value / rates.frameRate;
    default:
      return value / rates.tickRate;
  }
}

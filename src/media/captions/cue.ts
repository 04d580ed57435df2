/**
 * The caption domain's types: a cue, its kept WebVTT settings, the formats read, and the
 * fixes a read records. A cue's `text` is plain text with lines joined by `\n`; the only
 * markup in it is balanced `<i>`, `<b>` and `<u>` (cue-text.ts), every other character is
 * literal (`&` is `&`, a lone `<` is `<`): the writers escape.
 */

/** The formats read: WebVTT, SubRip, TTML (IMSC, DFXP). */
export type CaptionFormat = 'webvtt' | 'srt' | 'ttml';

export const CAPTION_FORMATS: readonly CaptionFormat[] = ['webvtt', 'srt', 'ttml'];

/** The three WebVTT cue settings kept (from a WebVTT source only), each validated. */
export interface CueSettings {
  /** `line:` a line number (`-2`) or a percentage (`90%`), optionally `,start|center|end`. */
  line?: string;
  /** `position:` a percentage (`10%`), optionally `,line-left|center|line-right`. */
  position?: string;
  /** `align:` `start|center|end|left|right`. */
  align?: string;
}

export interface Cue {
  /** Seconds, millisecond precision. */
  start: number;
  /** Seconds, millisecond precision, always > start. */
  end: number;
  /** Lines joined with `\n`; markup limited to `<i>`, `<b>`, `<u>`. Never empty. */
  text: string;
  settings?: CueSettings;
}

/** A cue as a parser reads it: `end` may be Infinity (a TTML cue without an end), `line` is its source line. */
export interface ParsedCue {
  start: number;
  end: number;
  text: string;
  settings?: CueSettings;
  line: number;
}

/**
 * What a read changed or warns about, for the caller's audit. Stable codes, documented in
 * docs/captions.md. Fixes are not errors: the file was read.
 */
export const CAPTION_FIX_CODES = [
  'CAPTION_TRANSCODED',
  'CAPTION_FORMAT_MISMATCH',
  'CAPTION_CUE_DROPPED',
  'CAPTION_CUE_CLIPPED',
  'CAPTION_CUES_SORTED',
  'CAPTION_SETTING_DROPPED',
  'CAPTION_MARKUP_STRIPPED',
  'CAPTION_LINE_TOO_LONG',
  'CAPTION_TOO_MANY_LINES',
] as const;

export type CaptionFixCode = (typeof CAPTION_FIX_CODES)[number];

export interface CaptionFix {
  code: CaptionFixCode;
  /** `fix`: something was changed; `warning`: kept as is, worth a look. */
  level: 'fix' | 'warning';
  message: string;
  /** 1-based number of the cue in source order, when the entry is about one cue. */
  cue?: number;
  /** 1-based source line, when known. */
  line?: number;
}

/** What a parser returns: cues in source order and the fixes it made while reading. */
export interface ParsedCaptions {
  cues: ParsedCue[];
  fixes: CaptionFix[];
}

/** Seconds from whole milliseconds: the one rounding every time goes through. */
export function fromMs(ms: number): number {
  return ms / 1000;
}

/** Rounds seconds to whole milliseconds (Infinity stays Infinity). */
export function roundToMs(seconds: number): number {
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) / 1000 : seconds;
}

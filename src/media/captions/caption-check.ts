import { mediaArgumentError } from '../media-errors.js';
import { captionError } from './caption-errors.js';
import { plainCueText } from './cue-text.js';
import { roundToMs, type CaptionFix, type Cue, type ParsedCue } from './cue.js';
import { formatTimestamp } from './timestamps.js';

/**
 * Parsed cues to the cues the appliance writes, each change recorded for the audit:
 * - a cue with no text, or ending at or before its start, is dropped;
 * - with the master's duration: a cue starting at or after it is dropped, one ending after
 *   it is clipped (and a TTML cue with no end ends there); without it such a cue is refused;
 * - cues out of order are sorted (by start; equal starts keep their order); overlaps stay;
 * - more lines per cue, or characters per line, than the limits: a warning, kept as is.
 * Refused: no cues (CAPTION_EMPTY, also when every cue was dropped), more than `maxCues`
 * (CAPTION_TOO_LARGE), a cue without an end and no duration to end it (CAPTION_TIMING).
 */

export interface CaptionCheckOptions {
  /** The master's duration in seconds: cues are kept inside it. */
  durationSeconds?: number;
  /** Lines per cue before a CAPTION_TOO_MANY_LINES warning (default 3). */
  maxLinesPerCue?: number;
  /** Characters (grapheme clusters) per line before a CAPTION_LINE_TOO_LONG warning (default 42, the common broadcast limit). */
  maxCharsPerLine?: number;
  /** Cues per file before CAPTION_TOO_LARGE (default 20 000). */
  maxCues?: number;
}

export const DEFAULT_CAPTION_LIMITS = { maxLinesPerCue: 3, maxCharsPerLine: 42, maxCues: 20_000 } as const;

export interface CheckedCaptions {
  cues: Cue[];
  fixes: CaptionFix[];
}

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * Characters as a reader counts them: grapheme clusters (`é` written e + U+0301 is one, so is
 * a family emoji). Over 1 000 code units the count is code points less combining marks and
 * joiners — near enough for a warning, and V8's segmenter grows quadratically on long strings.
 */
function length(line: string, limit: number): number {
  if (line.length <= limit) return line.length; // never more characters than code units: within the limit
  if (line.length > 1000) return [...line.replace(/\p{M}|\u200d/gu, '')].length;
  let n = 0;
  for (const _ of graphemes.segment(line)) n++;
  return n;
}

export function checkCaptions(parsed: readonly ParsedCue[], options: CaptionCheckOptions = {}): CheckedCaptions {
  const duration = options.durationSeconds;
  if (duration !== undefined && !(Number.isFinite(duration) && duration > 0))
    throw mediaArgumentError(`durationSeconds must be a positive number (got ${duration})`);
  const maxLines = limit(options.maxLinesPerCue, DEFAULT_CAPTION_LIMITS.maxLinesPerCue, 'maxLinesPerCue');
  const maxChars = limit(options.maxCharsPerLine, DEFAULT_CAPTION_LIMITS.maxCharsPerLine, 'maxCharsPerLine');
  const maxCues = limit(options.maxCues, DEFAULT_CAPTION_LIMITS.maxCues, 'maxCues');

  if (parsed.length === 0) throw captionError('CAPTION_EMPTY', 'the caption file has no cues');
  if (parsed.length > maxCues) {
    throw captionError('CAPTION_TOO_LARGE', `the caption file has ${parsed.length} cues, over the limit of ${maxCues}`, { cues: parsed.length, maxCues });
  }
  const fixes: CaptionFix[] = [];
  const kept: Cue[] = [];
  parsed.forEach((p, index) => {
    const cue = index + 1;
    const where = `cue ${cue} (line ${p.line})`;
    const drop = (why: string) => fixes.push({ code: 'CAPTION_CUE_DROPPED', level: 'fix', message: `${where}: ${why}; dropped`, cue, line: p.line });
    const start = roundToMs(p.start);
    let end = roundToMs(p.end);
    if (!p.text) return drop('no text');
    if (end === Infinity) {
      if (duration === undefined) {
        throw captionError('CAPTION_TIMING', `line ${p.line}: ${where} has no end time (and no master duration to end it at)`, { line: p.line, cue });
      }
      if (start < duration) {
        end = roundToMs(duration);
        fixes.push({
          code: 'CAPTION_CUE_CLIPPED',
          level: 'fix',
          message: `${where}: no end time; ends at the master's end ${formatTimestamp(end)}`,
          cue,
          line: p.line,
        });
      }
    }
    if (end <= start) return drop(`ends at ${formatTimestamp(end)}, not after its start ${formatTimestamp(start)}`);
    if (duration !== undefined && start >= duration)
      return drop(`starts at ${formatTimestamp(start)}, at or after the master's end ${formatTimestamp(duration)}`);
    if (duration !== undefined && end > duration) {
      const clipped = roundToMs(duration);
      fixes.push({
        code: 'CAPTION_CUE_CLIPPED',
        level: 'fix',
        message: `${where}: ends at ${formatTimestamp(end)}, after the master's end; clipped to ${formatTimestamp(clipped)}`,
        cue,
        line: p.line,
      });
      end = clipped;
      if (end <= start) return drop('nothing left after clipping');
    }
    const lines = plainCueText(p.text).split('\n');
    if (lines.length > maxLines) {
      fixes.push({
        code: 'CAPTION_TOO_MANY_LINES',
        level: 'warning',
        message: `${where}: ${lines.length} lines, over ${maxLines}; kept as is`,
        cue,
        line: p.line,
      });
    }
    const longest = lines.reduce((max, line) => Math.max(max, length(line, maxChars)), 0);
    if (longest > maxChars) {
      fixes.push({
        code: 'CAPTION_LINE_TOO_LONG',
        level: 'warning',
        message: `${where}: a line of ${longest} characters, over ${maxChars}; kept as is`,
        cue,
        line: p.line,
      });
    }
    kept.push({ start, end, text: p.text, ...(p.settings ? { settings: { ...p.settings } } : {}) });
  });
  if (kept.length === 0) throw captionError('CAPTION_EMPTY', `the caption file has no usable cues (${parsed.length} dropped)`, { dropped: parsed.length });

  const outOfOrder = kept.filter((c, i) => i > 0 && c.start < kept[i - 1]!.start).length;
  if (outOfOrder > 0) {
    kept.sort((a, b) => a.start - b.start); // stable: equal starts keep their order
    fixes.push({
      code: 'CAPTION_CUES_SORTED',
      level: 'fix',
      message: `cues out of order (${outOfOrder} start before the cue ahead of them); sorted by start time`,
    });
  }
  return { cues: kept, fixes };
}

function limit(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw mediaArgumentError(`${what} must be a positive integer (got ${value})`);
  return value;
}

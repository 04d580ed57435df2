import type { CaptionFix } from './cue.js';

/**
 * The per-file fix entries parsers make once, not once per cue: markup stripped and cue
 * settings dropped, each listing what and how often (an audit wants to know that colours or
 * speaker names were lost, not 2 000 lines saying so).
 */

export function markupStrippedFix(stripped: ReadonlyMap<string, number>): CaptionFix | null {
  if (stripped.size === 0) return null;
  return { code: 'CAPTION_MARKUP_STRIPPED', level: 'fix', message: `markup stripped (only <b>, <i>, <u> are kept): ${counts(stripped)}` };
}

export function settingsDroppedFix(dropped: ReadonlyMap<string, number>): CaptionFix | null {
  if (dropped.size === 0) return null;
  return { code: 'CAPTION_SETTING_DROPPED', level: 'fix', message: `cue settings dropped (only line, position, align are kept): ${counts(dropped)}` };
}

/** `name ×count, …` in name order, the first 10 names (names are the file's own: cut to 24 characters). */
function counts(map: ReadonlyMap<string, number>): string {
  const entries = [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const listed = entries.slice(0, 10).map(([name, n]) => `${name.slice(0, 24)} ×${n}`);
  return entries.length > 10 ? `${listed.join(', ')} and ${entries.length - 10} more` : listed.join(', ');
}

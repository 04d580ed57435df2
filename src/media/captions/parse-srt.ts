import { captionError } from './caption-errors.js';
import { isKeptTag, normaliseCueText, type TextToken } from './cue-text.js';
import { fromMs, type CaptionFix, type ParsedCaptions, type ParsedCue } from './cue.js';
import { markupStrippedFix } from './parse-notes.js';
import { parseTimestampMs } from './timestamps.js';

/**
 * SubRip: `HH:MM:SS,mmm --> HH:MM:SS,mmm` (`.` tolerated, coordinates after the end time
 * ignored), the sequence numbers optional, CRLF or LF, any number of blank lines between
 * cues. A cue's text runs to the next cue (its number or its timing line); blank lines
 * inside it are dropped. `<b>`, `<i>`, `<u>` are kept; `<font>` and any other tag, and ASS
 * override blocks (`{\an8}`), are stripped. Entities are not decoded: SubRip is not HTML.
 */
export function parseSrt(text: string): ParsedCaptions {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const timings: number[] = [];
  lines.forEach((line, i) => {
    if (line.includes('-->')) timings.push(i);
  });
  const cues: ParsedCue[] = [];
  const fixes: CaptionFix[] = [];
  const stripped = new Map<string, number>();
  const isNumber = (i: number) => i >= 0 && /^\s*\d+\s*$/.test(lines[i] ?? '');

  const before = lines.slice(0, timings.length ? timings[0]! - (isNumber(timings[0]! - 1) ? 1 : 0) : lines.length);
  if (before.some((l) => l.trim() !== '')) {
    fixes.push({
      code: 'CAPTION_CUE_DROPPED',
      level: 'fix',
      message: `lines 1-${before.length}: text before the first cue is not a cue; dropped`,
      line: 1,
    });
  }
  timings.forEach((at, k) => {
    const { start, end } = parseTimingLine(lines[at]!, at + 1);
    const next = timings[k + 1];
    let last = next === undefined ? lines.length : next - (isNumber(next - 1) ? 1 : 0);
    while (last > at + 1 && lines[last - 1]!.trim() === '') last--;
    const body = lines.slice(at + 1, last).filter((l) => l.trim() !== '');
    cues.push({ start: fromMs(start), end: fromMs(end), text: normaliseCueText(srtTextTokens(body.join('\n'), stripped)), line: at + 1 });
  });
  const markupFix = markupStrippedFix(stripped);
  if (markupFix) fixes.push(markupFix);
  return { cues, fixes };
}

function parseTimingLine(line: string, lineNumber: number): { start: number; end: number } {
  const arrow = line.indexOf('-->');
  const start = parseTimestampMs(line.slice(0, arrow));
  const end = parseTimestampMs(
    line
      .slice(arrow + 3)
      .trim()
      .split(/\s+/, 1)[0]!,
  );
  if (start === null || end === null) {
    throw captionError('CAPTION_TIMING', `line ${lineNumber}: "${line.trim().slice(0, 80)}" is not a timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm)`, {
      line: lineNumber,
      format: 'srt',
    });
  }
  return { start, end };
}

/** SubRip text: a `<` is a tag only when it looks like one; `{\…}` is an ASS override. */
function srtTextTokens(body: string, stripped: Map<string, number>): TextToken[] {
  const tokens: TextToken[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?\/?>|\{\\[^{}]*\}|\n/g;
  let at = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m.index > at) tokens.push({ kind: 'text', text: body.slice(at, m.index) });
    at = m.index + m[0].length;
    if (m[0] === '\n') tokens.push({ kind: 'break' });
    else if (m[0].startsWith('{')) stripped.set('ASS override', (stripped.get('ASS override') ?? 0) + 1);
    else {
      const name = m[2]!.toLowerCase();
      if (isKeptTag(name)) tokens.push({ kind: m[1] ? 'close' : 'open', tag: name });
      else if (name === 'br') tokens.push({ kind: 'break' });
      else if (!m[1]) stripped.set(`<${name.slice(0, 20)}>`, (stripped.get(`<${name.slice(0, 20)}>`) ?? 0) + 1);
    }
  }
  if (at < body.length) tokens.push({ kind: 'text', text: body.slice(at) });
  return tokens;
}

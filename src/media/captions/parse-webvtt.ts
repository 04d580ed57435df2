import { captionError } from './caption-errors.js';
import { isKeptTag, normaliseCueText, type TextToken } from './cue-text.js';
import { fromMs, type CaptionFix, type CueSettings, type ParsedCaptions, type ParsedCue } from './cue.js';
import { markupStrippedFix, settingsDroppedFix } from './parse-notes.js';
import { parseTimestampMs } from './timestamps.js';

/**
 * WebVTT (W3C WebVTT, the parts a caption needs): the `WEBVTT` header (its header lines,
 * e.g. HLS's X-TIMESTAMP-MAP, are ignored), NOTE, STYLE and REGION blocks skipped, cue
 * identifiers, `HH:MM:SS.mmm` and `MM:SS.mmm` timestamps, the `line`, `position` and
 * `align` settings (validated; others dropped), and cue text with `<b>`, `<i>`, `<u>`
 * kept and every other tag (`<c>`, `<v>`, `<lang>`, `<ruby>`, timestamps) stripped —
 * `<rt>` with its ruby text. Entities are decoded. ffmpeg's WebVTT output reads here.
 */
export function parseWebVtt(text: string): ParsedCaptions {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '')) {
    throw captionError('CAPTION_INVALID', 'line 1: a WebVTT file starts with "WEBVTT"', { line: 1, format: 'webvtt' });
  }
  const cues: ParsedCue[] = [];
  const fixes: CaptionFix[] = [];
  const stripped = new Map<string, number>();
  const droppedSettings = new Map<string, number>();

  let i = 1;
  while (i < lines.length && !isBlank(lines[i]!) && !lines[i]!.includes('-->')) i++; // the header's own lines
  while (i < lines.length) {
    if (isBlank(lines[i]!)) {
      i++;
      continue;
    }
    const first = lines[i]!;
    if (/^(NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first)) {
      while (i < lines.length && !isBlank(lines[i]!)) i++;
      continue;
    }
    const blockStart = i;
    let timing = i;
    if (!first.includes('-->')) {
      timing = i + 1; // an identifier, then the timing line
      if (timing >= lines.length || isBlank(lines[timing]!) || !lines[timing]!.includes('-->')) {
        while (i < lines.length && !isBlank(lines[i]!)) i++;
        fixes.push({
          code: 'CAPTION_CUE_DROPPED',
          level: 'fix',
          message: `lines ${blockStart + 1}-${i}: a block without a timing line is not a cue; dropped`,
          line: blockStart + 1,
        });
        continue;
      }
    }
    const cueNumber = cues.length + 1;
    const { start, end, settings } = parseTimingLine(lines[timing]!, timing + 1, cueNumber, fixes, droppedSettings);
    const payload: string[] = [];
    i = timing + 1;
    // A cue's text ends at a blank line, or at a line with "-->" (the next cue, no blank line between).
    while (i < lines.length && !isBlank(lines[i]!) && !lines[i]!.includes('-->')) payload.push(lines[i++]!);
    const cue: ParsedCue = { start: fromMs(start), end: fromMs(end), text: normaliseCueText(cueTextTokens(payload.join('\n'), stripped)), line: timing + 1 };
    if (settings) cue.settings = settings;
    cues.push(cue);
  }
  const settingsFix = settingsDroppedFix(droppedSettings);
  if (settingsFix) fixes.push(settingsFix);
  const markupFix = markupStrippedFix(stripped);
  if (markupFix) fixes.push(markupFix);
  return { cues, fixes };
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function parseTimingLine(
  line: string,
  lineNumber: number,
  cueNumber: number,
  fixes: CaptionFix[],
  droppedSettings: Map<string, number>,
): { start: number; end: number; settings: CueSettings | undefined } {
  const arrow = line.indexOf('-->');
  const left = line.slice(0, arrow).trim();
  const right = line
    .slice(arrow + 3)
    .trim()
    .split(/[ \t]+/);
  const start = parseTimestampMs(left);
  const end = parseTimestampMs(right[0] ?? '');
  if (start === null || end === null) {
    throw captionError('CAPTION_TIMING', `line ${lineNumber}: "${line.trim().slice(0, 80)}" is not a timing line (HH:MM:SS.mmm --> HH:MM:SS.mmm)`, {
      line: lineNumber,
      format: 'webvtt',
    });
  }
  return { start, end, settings: parseSettings(right.slice(1), lineNumber, cueNumber, fixes, droppedSettings) };
}

const PERCENT = /^(\d{1,3}(?:\.\d+)?)%$/;
const isPercentage = (text: string): boolean => PERCENT.test(text) && Number(PERCENT.exec(text)![1]) <= 100;

/** The WebVTT value syntax of the kept settings (a percentage is 0-100). */
const SETTING_VALID: Record<keyof CueSettings, (value: string) => boolean> = {
  line: (v) => {
    const [at, align, more] = v.split(',');
    return more === undefined && (/^-?\d+$/.test(at!) || isPercentage(at!)) && (align === undefined || /^(?:start|center|end)$/.test(align));
  },
  position: (v) => {
    const [at, align, more] = v.split(',');
    return more === undefined && isPercentage(at!) && (align === undefined || /^(?:line-left|center|line-right)$/.test(align));
  },
  align: (v) => /^(?:start|center|end|left|right)$/.test(v),
};

function parseSettings(
  words: readonly string[],
  lineNumber: number,
  cueNumber: number,
  fixes: CaptionFix[],
  droppedSettings: Map<string, number>,
): CueSettings | undefined {
  const settings: CueSettings = {};
  for (const word of words) {
    const colon = word.indexOf(':');
    const name = colon > 0 ? word.slice(0, colon) : word;
    const value = colon > 0 ? word.slice(colon + 1) : '';
    if (name === 'line' || name === 'position' || name === 'align') {
      if (SETTING_VALID[name](value)) settings[name] = value;
      else
        fixes.push({
          code: 'CAPTION_SETTING_DROPPED',
          level: 'fix',
          message: `line ${lineNumber}: the setting "${word.slice(0, 40)}" is not valid WebVTT; dropped`,
          cue: cueNumber,
          line: lineNumber,
        });
    } else droppedSettings.set(name, (droppedSettings.get(name) ?? 0) + 1);
  }
  return Object.keys(settings).length ? settings : undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', lrm: '\u200e', rlm: '\u200f' };

/** WebVTT cue text to tokens: `<name …>`, `</name>` and `<00:01.000>` are tags, `&…;` an entity, anything else text. */
export function cueTextTokens(payload: string, stripped: Map<string, number>): TextToken[] {
  const tokens: TextToken[] = [];
  let text = '';
  let rubyText = 0; // inside <rt>: ruby annotation, not part of the line
  const flush = () => {
    if (text && rubyText === 0) tokens.push({ kind: 'text', text });
    text = '';
  };
  const strip = (name: string) => stripped.set(name, (stripped.get(name) ?? 0) + 1);
  let i = 0;
  while (i < payload.length) {
    const c = payload[i]!;
    const body = c === '<' ? tagAt(payload, i) : null;
    if (c === '\n') {
      flush();
      tokens.push({ kind: 'break' });
      i++;
    } else if (c === '&') {
      const m = /^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,31});/.exec(payload.slice(i, i + 40));
      const decoded = m ? decodeEntity(m[1]!) : null;
      text += decoded ?? '&';
      i += decoded === null ? 1 : m![0].length;
    } else if (body !== null) {
      i += body.length + 2;
      flush();
      const end = body.startsWith('/');
      const name = (end ? body.slice(1) : body).split(/[.\s]/, 1)[0]!.toLowerCase();
      if (isKeptTag(name)) tokens.push({ kind: end ? 'close' : 'open', tag: name });
      else if (/^\d/.test(name)) strip('<timestamp>');
      else {
        if (name === 'rt') rubyText = Math.max(0, rubyText + (end ? -1 : 1));
        if (!end) strip(`<${name.slice(0, 20)}>`);
      }
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return tokens;
}

const TAG = /(\/?[A-Za-z][^<>\n]*|\/|\d[\d:.]*)>/y;

/**
 * The inside of the tag a `<` at `i` starts: a name, an end tag or a timestamp right after
 * it, and its `>` before any other `<` and on the same line. Null when the `<` is text — a
 * strict reader would take the rest of the cue as a tag, but ffmpeg writes `<` and `&`
 * unescaped (`a < b`), and that text must survive. (Sticky: each scan stops at the next
 * `<`, `>` or line end, so a cue full of `<` is still read in linear time.)
 */
function tagAt(payload: string, i: number): string | null {
  TAG.lastIndex = i + 1;
  return TAG.exec(payload)?.[1] ?? null;
}

function decodeEntity(name: string): string | null {
  if (name.startsWith('#')) {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
    return String.fromCodePoint(code);
  }
  return ENTITIES[name] ?? null;
}

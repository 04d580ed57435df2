import type { CaptionFormat } from './cue.js';

/**
 * Which caption format text is, from its content: a `WEBVTT` first line; an XML document
 * whose root element is `<tt>` (any prefix); SubRip's timing lines (`00:00:01,000 -->`;
 * timing lines with `.` and no WEBVTT header are read as SubRip too). Null when it is none
 * of them.
 */
export function sniffCaptionFormat(text: string): CaptionFormat | null {
  const body = text.replace(/^\uFEFF/, '');
  const head = body.slice(0, 64 * 1024);
  if (/^WEBVTT(?:[ \t\r\n]|$)/.test(head)) return 'webvtt';
  if (/^\s*</.test(head)) return rootIsTt(body) ? 'ttml' : null;
  // SubRip, or timing lines with no WEBVTT header: the SubRip reader is the tolerant one.
  if (/^[ \t]*(?:\d{1,4}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[ \t]*-->[ \t]*(?:\d{1,4}:)?\d{1,2}:\d{2}/m.test(head)) return 'srt';
  return null;
}

/**
 * Whether the first element of an XML text is `<tt>` (any prefix), past the declaration,
 * comments, processing instructions and a DOCTYPE (which the TTML reader then refuses).
 * One pass with indexOf: no pattern that backtracks over a hostile prolog.
 */
function rootIsTt(text: string): boolean {
  let pos = 0;
  for (;;) {
    while (pos < text.length && ' \t\r\n'.includes(text[pos]!)) pos++;
    let end: number;
    if (text.startsWith('<?', pos)) end = skip(text, pos, '?>');
    else if (text.startsWith('<!--', pos)) end = skip(text, pos, '-->');
    else if (text.startsWith('<!DOCTYPE', pos)) {
      const bracket = text.indexOf('[', pos);
      const close = text.indexOf('>', pos);
      if (bracket >= 0 && (close < 0 || bracket < close)) {
        const subsetEnd = text.indexOf(']', bracket); // the internal subset, then its '>'
        end = subsetEnd < 0 ? -1 : skip(text, subsetEnd, '>');
      } else end = close < 0 ? -1 : close + 1;
    } else return /^<(?:[A-Za-z_][\w.-]*:)?tt[\s>/]/.test(text.slice(pos, pos + 64));
    if (end < 0) return false;
    pos = end;
  }
}

/** The index just past `end` at or after `from`, or -1. */
function skip(text: string, from: number, end: string): number {
  const at = text.indexOf(end, from);
  return at < 0 ? -1 : at + end.length;
}

/** The format a file name's extension hints at: `.vtt`/`.webvtt`, `.srt`, `.ttml`/`.xml`/`.dfxp`. */
export function captionFormatOfExtension(name: string): CaptionFormat | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext === 'vtt' || ext === 'webvtt') return 'webvtt';
  if (ext === 'srt') return 'srt';
  if (ext === 'ttml' || ext === 'xml' || ext === 'dfxp') return 'ttml';
  return null;
}

import { captionError } from './caption-errors.js';
import type { CaptionFix } from './cue.js';

/**
 * Caption bytes to text. UTF-8 (a BOM is stripped), or UTF-16 LE/BE with a BOM (decoded, and
 * recorded as a fix). Anything else is refused: binary files (a known media or image
 * signature, or a control byte such as NUL) as CAPTION_NOT_TEXT, bytes that are not UTF-8 as
 * CAPTION_ENCODING naming the offset of the first invalid sequence. There is no guessing of
 * legacy code pages (a Windows-1252 file is refused, not silently mis-read).
 */

export type CaptionEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface DecodedCaption {
  text: string;
  encoding: CaptionEncoding;
  fixes: CaptionFix[];
}

/** 5 MiB: far above any real caption file (a feature film is ~100 KB of SRT). */
export const DEFAULT_MAX_CAPTION_BYTES = 5 * 1024 * 1024;

export function decodeCaptionBytes(bytes: Uint8Array, options: { maxBytes?: number } = {}): DecodedCaption {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CAPTION_BYTES;
  if (bytes.length > maxBytes) {
    throw captionError('CAPTION_TOO_LARGE', `the caption file is ${bytes.length} bytes, over the limit of ${maxBytes}`, { bytes: bytes.length, maxBytes });
  }
  if (bytes.length === 0) throw captionError('CAPTION_EMPTY', 'the caption file is empty');

  if (startsWith(bytes, [0xff, 0xfe, 0x00, 0x00]) || startsWith(bytes, [0x00, 0x00, 0xfe, 0xff])) {
    throw captionError('CAPTION_ENCODING', 'the caption file is UTF-32, which is not read: save it as UTF-8', { encoding: 'utf-32' });
  }
  if (startsWith(bytes, [0xff, 0xfe])) return decodeUtf16(bytes, 'utf-16le');
  if (startsWith(bytes, [0xfe, 0xff])) return decodeUtf16(bytes, 'utf-16be');

  const kind = binaryKind(bytes);
  if (kind) throw captionError('CAPTION_NOT_TEXT', `the caption file is not text: it looks like ${kind}`, { kind });
  const control = bytes.findIndex(isControlByte);
  if (control >= 0) {
    throw captionError('CAPTION_NOT_TEXT', `the caption file is not text: control byte 0x${hex(bytes[control]!)} at byte offset ${control}`, {
      offset: control,
    });
  }
  const start = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const invalid = firstInvalidUtf8(bytes, start);
  if (invalid >= 0) {
    throw captionError(
      'CAPTION_ENCODING',
      `the caption file is not UTF-8: invalid byte 0x${hex(bytes[invalid]!)} at byte offset ${invalid} (save it as UTF-8)`,
      { offset: invalid },
    );
  }
  // fatal: a decoder that disagreed with the check above would throw rather than substitute U+FFFD.
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  return { text, encoding: 'utf-8', fixes: [] };
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodedCaption {
  if (bytes.length % 2 !== 0) {
    throw captionError('CAPTION_ENCODING', `the caption file has a ${encoding.toUpperCase()} byte order mark but an odd number of bytes (${bytes.length})`, {
      offset: bytes.length - 1,
    });
  }
  const invalid = firstLoneSurrogate(bytes, encoding === 'utf-16le');
  if (invalid >= 0) {
    throw captionError('CAPTION_ENCODING', `the caption file is not valid ${encoding.toUpperCase()}: an unpaired surrogate at byte offset ${invalid}`, {
      offset: invalid,
    });
  }
  const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(2));
  const control = [...text].findIndex((c) => isControlByte(c.codePointAt(0)!));
  if (control >= 0) throw captionError('CAPTION_NOT_TEXT', `the caption file is not text: a control character at character ${control}`, { character: control });
  return {
    text,
    encoding,
    fixes: [{ code: 'CAPTION_TRANSCODED', level: 'fix', message: `decoded from ${encoding.toUpperCase()} (byte order mark); written as UTF-8` }],
  };
}

/** C0 controls other than tab, line feed, form feed and carriage return, and DEL: never in a caption file. */
function isControlByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f;
}

const SIGNATURES: ReadonlyArray<{ kind: string; at: number; bytes: readonly number[] }> = [
  { kind: 'a PNG image', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47] },
  { kind: 'a JPEG image', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { kind: 'a GIF image', at: 0, bytes: [0x47, 0x49, 0x46, 0x38] },
  { kind: 'an MP4/QuickTime file', at: 4, bytes: [0x66, 0x74, 0x79, 0x70] }, // ftyp
  { kind: 'an MP4/QuickTime file', at: 4, bytes: [0x6d, 0x6f, 0x6f, 0x76] }, // moov
  { kind: 'an MP4/QuickTime file', at: 4, bytes: [0x6d, 0x64, 0x61, 0x74] }, // mdat
  { kind: 'a Matroska/WebM file', at: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { kind: 'a RIFF (WAV/AVI) file', at: 0, bytes: [0x52, 0x49, 0x46, 0x46] },
  { kind: 'a ZIP archive', at: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { kind: 'a gzip archive', at: 0, bytes: [0x1f, 0x8b] },
  { kind: 'a PDF document', at: 0, bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
];

function binaryKind(bytes: Uint8Array): string | null {
  for (const s of SIGNATURES) if (startsWith(bytes, s.bytes, s.at)) return s.kind;
  if (bytes.length >= 189 && bytes[0] === 0x47 && bytes[188] === 0x47) return 'an MPEG transport stream';
  return null;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}

/**
 * The byte offset of the first ill-formed UTF-8 sequence at or after `from` (Unicode 15,
 * table 3-7: no overlongs, no surrogates, nothing above U+10FFFF), or -1 when all is well.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else return i;
    if (i + need >= bytes.length) return i; // cut short at the end
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function firstLoneSurrogate(bytes: Uint8Array, littleEndian: boolean): number {
  const unit = (at: number) => (littleEndian ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!);
  for (let i = 2; i < bytes.length; i += 2) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 2 >= bytes.length) return i;
      const next = unit(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) return i;
  }
  return -1;
}

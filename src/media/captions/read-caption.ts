import { mediaArgumentError } from '../media-errors.js';
import { decodeCaptionBytes, type CaptionEncoding } from './caption-bytes.js';
import { checkCaptions, type CaptionCheckOptions } from './caption-check.js';
import { captionError } from './caption-errors.js';
import { sniffCaptionFormat } from './caption-format.js';
import { CAPTION_FORMATS, type CaptionFix, type CaptionFormat, type Cue, type ParsedCaptions } from './cue.js';
import { toBcp47 } from '../language-codes.js';
import { parseSrt } from './parse-srt.js';
import { parseTtml } from './parse-ttml.js';
import { parseWebVtt } from './parse-webvtt.js';

/**
 * The one entry: a caption file's bytes (a sidecar uploaded with a master, or the WebVTT
 * ffmpeg extracted from an embedded stream) to checked cues and the list of what was fixed.
 * The content decides the format; `format` (from the extension) is used when the content
 * does not say, and a file whose content says otherwise is read as what it is (recorded).
 * Every refusal is an ApplianceError with a CAPTION_* code (docs/captions.md).
 */

export interface ReadCaptionOptions extends CaptionCheckOptions {
  /** The format the file name's extension claims (captionFormatOfExtension). */
  format?: CaptionFormat;
  /** Bytes per file before CAPTION_TOO_LARGE (default 5 MiB). */
  maxBytes?: number;
}

export interface CaptionResult {
  format: CaptionFormat;
  /** The encoding the bytes were in (the writers always write UTF-8). */
  encoding: CaptionEncoding;
  /** A TTML document's xml:lang as BCP-47; null for WebVTT and SubRip, which do not say. */
  language: string | null;
  cues: Cue[];
  fixes: CaptionFix[];
}

export function readCaption(bytes: Uint8Array, options: ReadCaptionOptions = {}): CaptionResult {
  const hint = options.format;
  if (hint !== undefined && !CAPTION_FORMATS.includes(hint)) throw mediaArgumentError(`format must be one of ${CAPTION_FORMATS.join(', ')}`);
  const decoded = decodeCaptionBytes(bytes, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  if (decoded.text.trim() === '') throw captionError('CAPTION_EMPTY', 'the caption file holds only whitespace');

  const fixes: CaptionFix[] = [...decoded.fixes];
  const sniffed = sniffCaptionFormat(decoded.text);
  const format = sniffed ?? hint;
  if (!format) throw captionError('CAPTION_FORMAT_UNKNOWN', 'the caption file is not WebVTT, SubRip or TTML');
  if (hint && sniffed && hint !== sniffed) {
    fixes.push({ code: 'CAPTION_FORMAT_MISMATCH', level: 'fix', message: `the file name says ${hint} but the content is ${sniffed}; read as ${sniffed}` });
  }
  let parsed: ParsedCaptions;
  let language: string | null = null;
  if (format === 'webvtt') parsed = parseWebVtt(decoded.text);
  else if (format === 'srt') parsed = parseSrt(decoded.text);
  else {
    const ttml = parseTtml(decoded.text);
    parsed = ttml;
    language = ttml.language === null ? null : toBcp47(ttml.language);
  }
  fixes.push(...parsed.fixes);
  const checked = checkCaptions(parsed.cues, options);
  return { format, encoding: decoded.encoding, language, cues: checked.cues, fixes: [...fixes, ...checked.fixes] };
}

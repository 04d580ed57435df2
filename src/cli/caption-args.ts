import { basename } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { isLanguageCode } from '../media/languages.js';
import { captionFormatOf, captionInputOf } from '../runtime/caption-inputs.js';

/** One `--caption FILE[:LANG]` of `mpegflow submit`. */
export interface CaptionArg {
  /** The local file to upload. */
  file: string;
  /** Its key in the input bucket: the file's base name (like the master's). */
  key: string;
  /** `:LANG`, else from the file name (`Movie.en.vtt`, `Movie.pt-BR.srt`), else none. */
  language: string | null;
}

/**
 * Parses `FILE[:LANG]`: a suffix after the last `:` that is a language code (ISO 639 or
 * BCP 47: `en`, `fra`, `pt-BR`) is the language; anything else is part of the file name.
 * A file that is not a caption file (.vtt, .srt, .ttml, .dfxp, .xml) is CAPTION_FORMAT_UNKNOWN,
 * before anything is uploaded.
 */
export function parseCaptionArg(arg: string): CaptionArg {
  const colon = arg.lastIndexOf(':');
  const suffix = colon >= 0 ? arg.slice(colon + 1) : '';
  const explicit = isLanguageCode(suffix) ? suffix : null;
  const file = explicit !== null ? arg.slice(0, colon) : arg;
  if (!file) throw new ApplianceError('USAGE', `--caption ${arg}: expected FILE[:LANG]`);
  const key = basename(file);
  if (!captionFormatOf(key))
    throw new ApplianceError('CAPTION_FORMAT_UNKNOWN', `--caption ${arg}: ${key} is not a caption file (.vtt, .srt, .ttml, .dfxp or .xml)`);
  return { file, key, language: explicit ?? captionInputOf({ key }).language };
}

/** Every `--caption`, refusing two files (or a caption and the master) that would upload under one key. */
export function parseCaptionArgs(args: readonly string[], masterKey: string): CaptionArg[] {
  const captions = args.map(parseCaptionArg);
  const seen = new Set([masterKey]);
  for (const c of captions) {
    if (seen.has(c.key)) throw new ApplianceError('USAGE', `--caption ${c.file}: another file given is also named ${c.key} (uploads are keyed by file name)`);
    seen.add(c.key);
  }
  return captions;
}

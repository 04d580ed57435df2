import type { CaptionInput } from '../media/caption-plan.js';
import { isLanguageCode } from '../media/languages.js';
import type { SubmitCaption } from './job-runtime.js';

const FORMATS: Readonly<Record<string, CaptionInput['format']>> = { vtt: 'webvtt', srt: 'srt', ttml: 'ttml', dfxp: 'ttml', xml: 'ttml' };

/** The caption format a key's extension names, or null. */
export function captionFormatOf(key: string): CaptionInput['format'] | null {
  const ext = /\.([A-Za-z]+)$/.exec(key)?.[1]?.toLowerCase();
  return ext !== undefined && Object.hasOwn(FORMATS, ext) ? (FORMATS[ext] ?? null) : null;
}

/** A submitted caption as the planner takes it: format from the extension, language as given or from the name (`Movie.en.vtt`, `Movie.pt-BR.srt`). */
export function captionInputOf(caption: SubmitCaption): CaptionInput {
  const fromName = /\.([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\.[A-Za-z]+$/.exec(caption.key)?.[1];
  return {
    key: caption.key,
    format: captionFormatOf(caption.key) ?? 'webvtt',
    language: caption.language ?? (fromName && isLanguageCode(fromName) ? fromName : null),
    kind: caption.kind ?? 'subtitles',
    forced: caption.forced ?? false,
  };
}

import type { CaptionInput } from '../media/caption-plan.js';
import { captionFormatOfExtension } from '../media/captions/caption-format.js';
import { isLanguageCode } from '../media/languages.js';
import type { SubmitCaption } from './job-runtime.js';

/** The caption format a key's extension names (`.vtt`/`.webvtt`, `.srt`, `.ttml`/`.dfxp`/`.xml`), or null. */
export const captionFormatOf: (key: string) => CaptionInput['format'] | null = captionFormatOfExtension;

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

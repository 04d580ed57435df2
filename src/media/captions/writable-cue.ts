import { mediaArgumentError } from '../media-errors.js';
import { plainCueText } from './cue-text.js';
import type { Cue } from './cue.js';

/** The writers take checked cues (caption-check.ts); anything else is a bug upstream, refused before a byte is written. */
export function checkWritableCue(cue: Cue, index: number): void {
  const ok = Number.isFinite(cue.start) && Number.isFinite(cue.end) && cue.start >= 0 && cue.end > cue.start && typeof cue.text === 'string';
  if (!ok) throw mediaArgumentError(`cue ${index + 1}: times ${cue.start}-${cue.end} are not a finite, positive interval`, { cue: index + 1 });
  if (plainCueText(cue.text).trim() === '') throw mediaArgumentError(`cue ${index + 1} has no text`, { cue: index + 1 });
  for (const value of Object.values(cue.settings ?? {})) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9.%,-]+$/.test(value))
      throw mediaArgumentError(`cue ${index + 1}: a cue setting that is not a WebVTT value`, { cue: index + 1 });
  }
}

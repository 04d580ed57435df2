import { captionFormatOfExtension } from './caption-format.js';
import type { CaptionFormat } from './cue.js';
import { toBcp47 } from '../language-codes.js';

/**
 * Which sidecar caption files belong to a master, by name, as players and media libraries
 * name them: `NAME.EXT`, `NAME.LANG.EXT`, `NAME.LANG.forced.EXT`, `NAME.LANG.sdh.EXT` (`cc`
 * means sdh too; `hi` is Hindi, not hearing-impaired), where NAME is the master's name without its extension (compared
 * exactly, case and all), LANG a language code or BCP-47 tag (`en`, `eng`, `fre`, `pt-BR`)
 * and EXT `vtt`, `webvtt`, `srt`, `ttml`, `xml` or `dfxp` (any case). A name with any other
 * part between NAME and EXT (`Movie.v2.srt`, an unknown language) is not the master's.
 */

export interface CaptionSidecar {
  /** The sidecar's file name, as given. */
  name: string;
  /** What the extension says; readCaption() still looks at the content. */
  format: CaptionFormat;
  /** BCP-47 (`en`, `pt-BR`), null when the name gives none. */
  language: string | null;
  /** Forced narrative: only the lines for foreign dialogue and on-screen text. */
  forced: boolean;
  /** Subtitles for the deaf and hard of hearing (`sdh`, `cc`). */
  sdh: boolean;
}

/** The sidecar `name` as a caption of `master`, or null when it is not one. */
export function captionFileName(name: string, master: string): CaptionSidecar | null {
  if (name === master || /[/\\]/.test(name) || /[/\\]/.test(master)) return null;
  const dot = master.lastIndexOf('.');
  const base = dot > 0 ? master.slice(0, dot) : master;
  if (!name.startsWith(`${base}.`)) return null;
  const parts = name.slice(base.length + 1).split('.');
  const format = captionFormatOfExtension(`.${parts[parts.length - 1]!}`);
  if (!format) return null;
  const sidecar: CaptionSidecar = { name, format, language: null, forced: false, sdh: false };
  for (const [k, part] of parts.slice(0, -1).entries()) {
    const word = part.toLowerCase();
    if (word === 'forced' && !sidecar.forced) sidecar.forced = true;
    else if ((word === 'sdh' || word === 'cc') && !sidecar.sdh) sidecar.sdh = true;
    else if (k === 0 && /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/.test(word)) {
      const language = toBcp47(part);
      if (!language) return null;
      sidecar.language = language;
    } else return null;
  }
  return sidecar;
}

/** The sidecars among `names` (one folder's file names) that belong to `master`, in name order. */
export function captionFilesFor(master: string, names: readonly string[]): CaptionSidecar[] {
  return [...names]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => captionFileName(name, master))
    .filter((s): s is CaptionSidecar => s !== null);
}

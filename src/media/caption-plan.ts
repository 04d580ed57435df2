import type { MediaInfo } from './media-info.js';
import type { CaptionPlan } from './plan-types.js';
import type { TemplateCaptions } from './ladder-template.js';
import { languageLabel, toBcp47 } from './languages.js';

/** A caption file given with the job (an object of the input bucket). */
export interface CaptionInput {
  key: string;
  format: 'webvtt' | 'srt' | 'ttml';
  /** BCP 47 or ISO 639; null when the file name and the request do not say. */
  language: string | null;
  kind: 'subtitles' | 'captions';
  forced: boolean;
}

/**
 * The caption tracks of a job: sidecar files given with it and the master's text subtitle
 * streams (when the template takes sidecars); CEA-608/708 carried in the video is noted
 * (extraction is not built yet). Bitmap subtitles (PGS, DVB, VobSub) cannot become text and
 * are noted, not used.
 */
export function planCaptions(info: MediaInfo, captions: TemplateCaptions, inputs: readonly CaptionInput[], notes: string[]): CaptionPlan[] {
  const out: CaptionPlan[] = [];
  const used = new Set<string>();
  const name = (language: string | null, suffix: string): string => {
    const base = `text-${language ? language.toLowerCase().replace(/[^a-z0-9]/g, '') : 'und'}${suffix}`;
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base}-${i}`;
    used.add(n);
    return n;
  };
  const label = (language: string | null, kind: 'subtitles' | 'captions', forced: boolean): string =>
    `${languageLabel(language) ?? 'Unknown language'}${kind === 'captions' ? ' (CC)' : ''}${forced ? ' (forced)' : ''}`;

  if (captions.sidecars) {
    for (const c of inputs) {
      const language = toBcp47(c.language);
      out.push({
        name: name(language, c.kind === 'captions' ? '-cc' : c.forced ? '-forced' : ''),
        language,
        label: label(language, c.kind, c.forced),
        kind: c.kind,
        forced: c.forced,
        isDefault: false,
        source: { kind: 'sidecar', key: c.key, format: c.format },
      });
    }
    for (const s of info.subtitles) {
      if (!s.text) {
        notes.push(`subtitle stream ${s.index} (${s.codec}) is a bitmap format: not converted to text`);
        continue;
      }
      const language = toBcp47(s.language);
      out.push({
        name: name(language, s.forced ? '-forced' : ''),
        language,
        label: label(language, 'subtitles', s.forced),
        kind: 'subtitles',
        forced: s.forced,
        isDefault: false,
        source: { kind: 'stream', streamIndex: s.index, codec: s.codec },
      });
    }
  } else if (inputs.length > 0 || info.subtitles.length > 0) {
    notes.push('the template takes no sidecar or subtitle-stream captions: none packaged');
  }
  if (info.video?.closedCaptions) {
    // Reading A/53 captions needs a full decode through lavfi's `movie` source, which opens the
    // master outside the verified spawn's input guards; not built yet (docs/captions.md).
    notes.push(
      captions.embedded === 'extract'
        ? 'CEA-608/708 captions in the video: not extracted (extraction is not built yet; give a sidecar file)'
        : 'CEA-608/708 captions in the video: ignored (template)',
    );
  }
  if (out.length > 0) notes.push(`${out.length} caption track(s): ${out.map((c) => c.name).join(', ')}`);
  return out;
}

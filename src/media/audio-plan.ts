import type { AudioTrack, MediaInfo } from './media-info.js';
import type { AudioPlan } from './plan-types.js';
import type { TemplateAudio } from './ladder-template.js';
import { languageLabel, sameLanguage, toBcp47 } from './languages.js';
import { ladderError } from './media-errors.js';

const SURROUND_CODECS: Readonly<Record<string, string>> = { aac: 'mp4a.40.2', ac3: 'ac-3', eac3: 'ec-3' };

/**
 * The audio renditions of a template for one master: the selected tracks (every language,
 * named languages, or track positions), one AAC stereo rendition per track (downmixed from
 * surround), plus a 5.1 rendition of each track that has 5.1 when the template asks. The
 * master's default track (else the first selected) is the default of each group.
 */
export function planAudio(info: MediaInfo, audio: TemplateAudio, notes: string[]): AudioPlan[] {
  const tracks = selectTracks(info.audio, audio, notes);
  const plans: AudioPlan[] = [];
  const used = new Set<string>();
  const nameFor = (t: AudioTrack, suffix: string): string => {
    const lang = toBcp47(t.language);
    let base = `audio-${lang ? lang.toLowerCase().replace(/[^a-z0-9]/g, '') : String(t.trackNumber)}${suffix}`;
    if (used.has(base)) base = `audio-${t.trackNumber}${suffix}`;
    used.add(base);
    return base;
  };
  const defaultTrack = tracks.find((t) => t.isDefault) ?? tracks[0];
  for (const t of tracks) {
    const language = toBcp47(t.language);
    const label = languageLabel(t.language) ?? `Track ${t.trackNumber + 1}`;
    const downmix = (t.channels ?? 2) > 2;
    plans.push({
      name: nameFor(t, ''),
      streamIndex: t.index,
      trackNumber: t.trackNumber,
      codec: 'aac',
      bitrateKbps: audio.stereo.bitrateKbps,
      channels: 2,
      sampleRate: 48000,
      sourceChannels: t.channels,
      downmix,
      language,
      label,
      isDefault: t === defaultTrack,
      group: 'stereo',
      loudness: audio.loudness,
      codecs: 'mp4a.40.2',
    });
    if (downmix) notes.push(`audio track ${t.trackNumber} (${t.channelLayout ?? `${t.channels} channels`}): stereo downmixed (ITU-R BS.775, LFE dropped)`);
  }
  if (audio.surround) {
    const surround = audio.surround;
    const wide = tracks.filter((t) => (t.channels ?? 0) >= 6);
    const defaultWide = wide.find((t) => t.isDefault) ?? wide[0];
    for (const t of wide) {
      plans.push({
        name: nameFor(t, '-51'),
        streamIndex: t.index,
        trackNumber: t.trackNumber,
        codec: surround.codec,
        bitrateKbps: surround.bitrateKbps,
        channels: 6,
        sampleRate: 48000,
        sourceChannels: t.channels,
        downmix: (t.channels ?? 6) > 6,
        language: toBcp47(t.language),
        label: `${languageLabel(t.language) ?? `Track ${t.trackNumber + 1}`} 5.1`,
        isDefault: t === defaultWide,
        group: 'surround',
        loudness: audio.loudness,
        codecs: SURROUND_CODECS[surround.codec] ?? 'mp4a.40.2',
      });
    }
    if (tracks.length > 0 && wide.length === 0) notes.push('no selected audio track has 5.1: stereo only');
  }
  if (audio.loudness)
    notes.push(`loudness: two-pass loudnorm to ${audio.loudness.integratedLufs} LUFS, ${audio.loudness.truePeakDbtp} dBTP (${audio.loudness.standard})`);
  return plans;
}

function selectTracks(all: readonly AudioTrack[], audio: TemplateAudio, notes: string[]): AudioTrack[] {
  const select = audio.select;
  if (select.by === 'all') {
    // One track per language, in order of first appearance; the one marked default wins within its language.
    const chosen = new Map<string, AudioTrack>();
    for (const t of all) {
      const key = toBcp47(t.language) ?? 'und';
      const held = chosen.get(key);
      if (!held || (t.isDefault && !held.isDefault)) chosen.set(key, t);
    }
    const out = [...chosen.values()];
    for (const t of all) {
      if (out.includes(t)) continue;
      const key = toBcp47(t.language) ?? 'und';
      notes.push(`audio track ${t.trackNumber}: ${key === 'und' ? 'another untagged track' : `another ${key} track`}, not used (one rendition per language)`);
    }
    if (out.length > 1) notes.push(`${out.length} audio languages: ${out.map((t) => toBcp47(t.language) ?? 'und').join(', ')}`);
    return out;
  }
  const found: AudioTrack[] = [];
  const missing: string[] = [];
  if (select.by === 'language') {
    for (const lang of select.languages) {
      const t = all.find((x) => sameLanguage(x.language, lang));
      if (t && !found.includes(t)) found.push(t);
      else if (!t) missing.push(lang);
    }
  } else {
    for (const n of select.tracks) {
      const t = all[n];
      if (t && !found.includes(t)) found.push(t);
      else if (!t) missing.push(`track ${n}`);
    }
  }
  if (missing.length) {
    const have = all.map((t) => t.language ?? `track ${t.trackNumber} (untagged)`).join(', ') || 'no audio';
    if (audio.missing === 'refuse') throw ladderError('LADDER_AUDIO_MISSING', `the master lacks audio ${missing.join(', ')} (it has: ${have})`);
    notes.push(`audio ${missing.join(', ')} not in the master (it has: ${have}): skipped`);
  }
  return found;
}

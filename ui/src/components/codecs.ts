// Codec strings (RFC 6381) as the player shows them, and what an engine left out because this
// browser cannot decode it. Pure but for `browserDecodes` (Media Source's own answer).

export type CodecKind = 'video' | 'audio';

const FAMILIES: [RegExp, string, CodecKind][] = [
  [/^(avc1|avc3)\b/, 'H.264', 'video'],
  [/^(hvc1|hev1)\b/, 'HEVC', 'video'],
  [/^(dvh1|dvhe)\b/, 'Dolby Vision', 'video'],
  [/^av01\b/, 'AV1', 'video'],
  [/^(vp09|vp9)\b/, 'VP9', 'video'],
  [/^mp4a\.40\.(2|02)$/, 'AAC', 'audio'],
  [/^mp4a\b/, 'AAC', 'audio'],
  [/^ec-3$/, 'E-AC-3', 'audio'],
  [/^ac-3$/, 'AC-3', 'audio'],
  [/^ac-4\b/, 'AC-4', 'audio'],
  [/^opus$/i, 'Opus', 'audio'],
  [/^flac$/i, 'FLAC', 'audio'],
];

/** `hvc1.2.4.L93.90` → HEVC (video); an unknown string is its own family, taken as video. */
export function codecFamily(codec: string): { name: string; kind: CodecKind } {
  const c = codec.trim();
  for (const [re, name, kind] of FAMILIES) if (re.test(c)) return { name, kind };
  return { name: c, kind: 'video' };
}

/** `avc1.64001f, mp4a.40.2` → the two strings. */
export function splitCodecs(codecs: string | null | undefined): string[] {
  return (codecs ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

/** Whether Media Source can decode this codec (false where there is no Media Source at all). */
export function browserDecodes(codec: string): boolean {
  const MS = (globalThis as { MediaSource?: { isTypeSupported(type: string): boolean } }).MediaSource;
  if (!MS) return false;
  return MS.isTypeSupported(`${codecFamily(codec).kind}/mp4; codecs="${codec}"`);
}

/** A rendition of the manifest: its name (rung folder, representation id) and codecs. */
export interface ManifestRendition {
  name: string;
  codecs: string[];
}

/** Renditions the engine left out, by the codec this browser lacks. */
export interface Skipped {
  family: string;
  kind: CodecKind;
  names: string[];
}

/**
 * What the manifest offered and the engine does not: grouped by the first codec of each that the
 * browser cannot decode (`decodes`), or by its first codec when every one decodes (the engine
 * had another reason). A name is counted once (HLS repeats a rung per audio group).
 */
export function skippedRenditions(offered: ManifestRendition[], kept: Set<string>, decodes: (codec: string) => boolean): Skipped[] {
  const out: Skipped[] = [];
  const seen = new Set<string>();
  for (const r of offered) {
    if (kept.has(r.name) || seen.has(r.name) || r.codecs.length === 0) continue;
    seen.add(r.name);
    const codec = r.codecs.find((c) => !decodes(c)) ?? r.codecs[0]!;
    const { name: family, kind } = codecFamily(codec);
    const group = out.find((s) => s.family === family && s.kind === kind);
    if (group) group.names.push(r.name);
    else out.push({ family, kind, names: [r.name] });
  }
  return out;
}

/** "HEVC rungs not playable in this browser: 1 (720p-hevc)"; audio: "E-AC-3 audio not playable …". */
export function skippedLine(s: Skipped): string {
  const what = s.kind === 'video' ? `${s.family} rungs` : `${s.family} audio`;
  return `${what} not playable in this browser: ${s.names.length} (${s.names.join(', ')})`;
}

/** The name of a rendition from its playlist URL: `…/hls/720p-hevc.m3u8` → `720p-hevc`. */
export function playlistName(url: string | undefined): string {
  if (!url) return '';
  const path = url.split(/[?#]/)[0] ?? '';
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.m3u8$/i, '');
}

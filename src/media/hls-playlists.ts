import { captionPath, cmafInitPath, cmafSegmentPath, fromManifest, HLS_MASTER, hlsMediaPlaylistPath, hlsMediaPlaylistUri } from './cmaf-layout.js';
import type { AudioPlan } from './plan-types.js';
import { programmeSeconds, type CmafTrack, type PackagedProgramme } from './packaged-programme.js';
import { toNumber } from './rational.js';
import { averageBitrate, peakSegmentBitrate } from './segment-bitrates.js';
import { videoGroups } from './video-groups.js';

/** A file to write, relative to the package folder. */
export interface PlaylistFile {
  path: string;
  text: string;
}

const SUBTITLE_GROUP = 'subs';
const SDH = 'public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound';

/** An HLS quoted-string holds no `"`, CR or LF (RFC 8216 §4.2): such characters are dropped. */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/["\u0000-\u001f\u007f]/g, '')}"`;
}

/** A BCP 47 tag as HLS LANGUAGE, or nothing when the value is not one. */
function languageAttr(language: string | null): string[] {
  return language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(language) ? [`LANGUAGE=${quoted(language)}`] : [];
}

/** NAME is unique within a group (RFC 8216 §4.3.4.1.1): a repeated label gets " (2)", " (3)". */
function uniqueNames(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

const extinf = (ticks: number, timescale: number): string => `#EXTINF:${(ticks / timescale).toFixed(6)},`;

/** `ceil` of the longest segment, at least 1. */
export function targetDuration(track: CmafTrack): number {
  return Math.max(1, ...track.segments.map((s) => Math.ceil(s.duration / track.timescale - 1e-9)));
}

/** The VOD media playlist of one CMAF track (`hls/<name>.m3u8`, URIs `../cmaf/<name>/…`). */
export function hlsMediaPlaylist(name: string, track: CmafTrack): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${targetDuration(track)}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI=${quoted(fromManifest(cmafInitPath(name)))}`,
  ];
  track.segments.forEach((s, i) => lines.push(extinf(s.duration, track.timescale), fromManifest(cmafSegmentPath(name, i + 1))));
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** A subtitle playlist of one segment: the whole WebVTT file, lasting the programme. */
export function hlsSubtitlePlaylist(name: string, programmeSeconds: number): string {
  const ticks = Math.round(programmeSeconds * 1_000_000);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(ticks / 1_000_000 - 1e-9))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    extinf(ticks, 1_000_000),
    fromManifest(captionPath(name, 'webvtt')),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

interface AudioGroupMember {
  plan: AudioPlan;
  track: CmafTrack;
  isDefault: boolean;
}

/**
 * HLS audio groups: "stereo" holds every stereo rendition; "surround" every 5.1 rendition
 * plus the stereo rendition of each track that has no 5.1 (same URI), so a player on a
 * surround variant can still pick every language.
 */
function audioGroups(p: PackagedProgramme): Array<{ id: 'stereo' | 'surround'; members: AudioGroupMember[] }> {
  const stereo = p.audio.filter((a) => a.plan.group === 'stereo');
  const surround = p.audio.filter((a) => a.plan.group === 'surround');
  const groups: Array<{ id: 'stereo' | 'surround'; members: AudioGroupMember[] }> = [];
  if (stereo.length) groups.push({ id: 'stereo', members: stereo.map((a) => ({ ...a, isDefault: a.plan.isDefault })) });
  if (surround.length) {
    const wide = new Set(surround.map((a) => a.plan.trackNumber));
    const members: AudioGroupMember[] = [];
    for (const a of p.audio) {
      if (a.plan.group === 'surround') members.push({ ...a, isDefault: a.plan.isDefault });
      else if (!wide.has(a.plan.trackNumber)) members.push({ ...a, isDefault: false });
    }
    groups.push({ id: 'surround', members });
  }
  for (const g of groups) {
    // Exactly one DEFAULT=YES per group (the plan marks one; keep the first if it marks none or more).
    const first = g.members.findIndex((m) => m.isDefault);
    g.members.forEach((m, i) => (m.isDefault = i === (first < 0 ? 0 : first)));
  }
  return groups;
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/**
 * The master playlist: audio and subtitle renditions, then one variant per video rung per
 * audio group (stereo, and surround when there is any), with BANDWIDTH (peak segment bit
 * rate of the rung plus the group's highest), AVERAGE-BANDWIDTH, RESOLUTION, FRAME-RATE,
 * CODECS (the rung's and the group's, exactly as planned), VIDEO-RANGE, AUDIO, SUBTITLES.
 * The first variant is where players start: the middle H.264 SDR rung with stereo.
 */
export function hlsMasterPlaylist(p: PackagedProgramme): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', ''];
  const groups = audioGroups(p);
  const rates = new Map<CmafTrack, { peak: number; average: number }>();
  const rate = (track: CmafTrack) => {
    let r = rates.get(track);
    if (!r) rates.set(track, (r = { peak: peakSegmentBitrate(track, targetDuration(track)), average: averageBitrate(track) }));
    return r;
  };

  for (const g of groups) {
    const names = uniqueNames(g.members.map((m) => m.plan.label));
    g.members.forEach((m, i) => {
      lines.push(
        `#EXT-X-MEDIA:${[
          'TYPE=AUDIO',
          `GROUP-ID=${quoted(g.id)}`,
          ...languageAttr(m.plan.language),
          `NAME=${quoted(names[i] as string)}`,
          `DEFAULT=${m.isDefault ? 'YES' : 'NO'}`,
          'AUTOSELECT=YES',
          `CHANNELS=${quoted(String(m.plan.channels))}`,
          `URI=${quoted(hlsMediaPlaylistUri(m.plan.name))}`,
        ].join(',')}`,
      );
    });
  }
  const subtitles = p.captions.filter((c) => c.webvtt);
  const subtitleNames = uniqueNames(subtitles.map((c) => c.plan.label));
  subtitles.forEach((c, i) => {
    lines.push(
      `#EXT-X-MEDIA:${[
        'TYPE=SUBTITLES',
        `GROUP-ID=${quoted(SUBTITLE_GROUP)}`,
        ...languageAttr(c.plan.language),
        `NAME=${quoted(subtitleNames[i] as string)}`,
        `DEFAULT=${c.plan.isDefault ? 'YES' : 'NO'}`,
        'AUTOSELECT=YES',
        `FORCED=${c.plan.forced ? 'YES' : 'NO'}`,
        ...(c.plan.kind === 'captions' ? [`CHARACTERISTICS=${quoted(SDH)}`] : []),
        `URI=${quoted(hlsMediaPlaylistUri(c.plan.name))}`,
      ].join(',')}`,
    );
  });
  if (groups.length || subtitles.length) lines.push('');

  const frameRate = toNumber(p.plan.frameRate).toFixed(3);
  const variants: Array<{ line: string; uri: string; start: boolean }> = [];
  const ordered = videoGroups(p.videos);
  const startGroup = ordered.find((g) => g.members[0]?.rung.codec === 'h264' && g.members[0].rung.range === 'sdr') ?? ordered[0];
  const startRung = startGroup?.members[Math.floor(startGroup.members.length / 2)];
  for (const audio of groups.length ? groups : [null]) {
    for (const g of ordered) {
      for (const v of g.members) {
        const video = rate(v.track);
        const peakAudio = audio ? Math.max(...audio.members.map((m) => rate(m.track).peak)) : 0;
        const averageAudio = audio ? Math.max(...audio.members.map((m) => rate(m.track).average)) : 0;
        const codecs = unique([v.rung.codecs, ...(audio ? audio.members.map((m) => m.plan.codecs) : [])]);
        const attrs = [
          `BANDWIDTH=${video.peak + peakAudio}`,
          `AVERAGE-BANDWIDTH=${video.average + averageAudio}`,
          `RESOLUTION=${v.rung.width}x${v.rung.height}`,
          `FRAME-RATE=${frameRate}`,
          `CODECS=${quoted(codecs.join(','))}`,
          `VIDEO-RANGE=${v.rung.range.toUpperCase()}`,
          ...(audio ? [`AUDIO=${quoted(audio.id)}`] : []),
          ...(subtitles.length ? [`SUBTITLES=${quoted(SUBTITLE_GROUP)}`] : []),
          'CLOSED-CAPTIONS=NONE',
        ];
        variants.push({
          line: `#EXT-X-STREAM-INF:${attrs.join(',')}`,
          uri: hlsMediaPlaylistUri(v.rung.name),
          start: v === startRung && audio === (groups[0] ?? null),
        });
      }
    }
  }
  const start = variants.findIndex((v) => v.start);
  if (start > 0) variants.unshift(...variants.splice(start, 1));
  for (const v of variants) lines.push(v.line, v.uri);
  lines.push('');
  return lines.join('\n');
}

/** Every HLS file of a package: the master, a media playlist per rendition, a subtitle playlist per WebVTT track. */
export function hlsPlaylists(p: PackagedProgramme): PlaylistFile[] {
  const files: PlaylistFile[] = [{ path: HLS_MASTER, text: hlsMasterPlaylist(p) }];
  for (const v of p.videos) files.push({ path: hlsMediaPlaylistPath(v.rung.name), text: hlsMediaPlaylist(v.rung.name, v.track) });
  for (const a of p.audio) files.push({ path: hlsMediaPlaylistPath(a.plan.name), text: hlsMediaPlaylist(a.plan.name, a.track) });
  const seconds = programmeSeconds(p);
  for (const c of p.captions) if (c.webvtt) files.push({ path: hlsMediaPlaylistPath(c.plan.name), text: hlsSubtitlePlaylist(c.plan.name, seconds) });
  return files;
}

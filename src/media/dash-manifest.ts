import { XMLBuilder } from 'fast-xml-parser';
import { captionPath, cmafInitPath, cmafSegmentTemplate, fromManifest } from './cmaf-layout.js';
import type { OutputRange } from './plan-types.js';
import { maxSegmentSeconds, programmeSeconds, type CmafTrack, type PackagedProgramme } from './packaged-programme.js';
import { dashBandwidth } from './segment-bitrates.js';
import { videoGroups } from './video-groups.js';

type Element = Record<string, unknown>;

const ROLE = 'urn:mpeg:dash:role:2011';
const CICP = 'urn:mpeg:mpegB:cicp:';
/** ISO/IEC 23091-2 code points of the HDR ranges: BT.2020 primaries and non-constant-luminance matrix, PQ or HLG transfer. */
const HDR_CICP: Readonly<Record<Exclude<OutputRange, 'sdr'>, { primaries: number; transfer: number; matrix: number }>> = {
  pq: { primaries: 9, transfer: 16, matrix: 9 },
  hlg: { primaries: 9, transfer: 18, matrix: 9 },
};

/** ISO 8601 seconds with millisecond precision ("PT6.000S"). */
const duration = (seconds: number): string => `PT${(Math.round(seconds * 1000) / 1000).toFixed(3)}S`;

/** SegmentTimeline entries: runs of equal contiguous durations as one `S` with `r`; `t` on the first. */
function timeline(track: CmafTrack): Element[] {
  const out: Element[] = [];
  let last: { d: number; r: number; end: number } | null = null;
  for (const s of track.segments) {
    if (last && s.duration === last.d && s.start === last.end) {
      last.r += 1;
      last.end += s.duration;
      continue;
    }
    if (last) out.push(sElement(last));
    last = { d: s.duration, r: 0, end: s.start + s.duration };
    if (out.length === 0) Object.assign(last, { t: s.start });
  }
  if (last) out.push(sElement(last));
  return out;
}

function sElement(run: { d: number; r: number; t?: number }): Element {
  return { ...(run.t !== undefined ? { '@_t': run.t } : {}), '@_d': run.d, ...(run.r > 0 ? { '@_r': run.r } : {}) };
}

function segmentTemplate(name: string, track: CmafTrack): Element {
  return {
    '@_timescale': track.timescale,
    '@_initialization': fromManifest(cmafInitPath(name)),
    '@_media': fromManifest(cmafSegmentTemplate(name)),
    '@_startNumber': 1,
    ...(track.segments[0] && track.segments[0].start !== 0 ? { '@_presentationTimeOffset': track.segments[0].start } : {}),
    SegmentTimeline: { S: timeline(track) },
  };
}

const sameTimeline = (a: CmafTrack, b: CmafTrack): boolean =>
  a.timescale === b.timescale &&
  a.segments.length === b.segments.length &&
  a.segments.every((s, i) => s.start === b.segments[i]?.start && s.duration === b.segments[i]?.duration);

const role = (value: string): Element => ({ '@_schemeIdUri': ROLE, '@_value': value });
const lang = (language: string | null): Element => (language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(language) ? { '@_lang': language } : {});
const frameRate = (r: { num: number; den: number }): string => (r.den === 1 ? String(r.num) : `${r.num}/${r.den}`);

/**
 * The DASH manifest (static, isoff-live profile) of a package, written from facts: one video
 * AdaptationSet per video group (H.264 SDR, HEVC PQ, …; HDR sets say so with CICP
 * SupplementalProperty), one audio AdaptationSet per audio rendition (lang, Label, Role
 * main/alternate, channel configuration), one text AdaptationSet per caption track (the
 * whole sidecar file by BaseURL). Each Representation's `codecs` is the plan's string; its
 * SegmentTemplate points at `../cmaf/<name>/`. Same facts, same bytes.
 */
export function dashManifest(p: PackagedProgramme): string {
  const minBuffer = Math.max(2 * p.plan.gopSeconds, Math.ceil(maxSegmentSeconds(p)));
  const sets: Element[] = [];
  let id = 0;
  for (const g of videoGroups(p.videos)) {
    const first = g.members[0];
    if (!first) continue;
    const range = first.rung.range;
    const hdr = range === 'sdr' ? null : HDR_CICP[range];
    const aligned = g.members.every((m) => sameTimeline(m.track, first.track));
    sets.push({
      '@_id': id++,
      '@_contentType': 'video',
      '@_mimeType': 'video/mp4',
      ...(aligned ? { '@_segmentAlignment': 'true' } : {}),
      '@_startWithSAP': 1,
      '@_maxWidth': Math.max(...g.members.map((m) => m.rung.width)),
      '@_maxHeight': Math.max(...g.members.map((m) => m.rung.height)),
      '@_frameRate': frameRate(p.plan.frameRate),
      '@_par': `${p.plan.displayAspect.num}:${p.plan.displayAspect.den}`,
      ...(hdr
        ? {
            SupplementalProperty: [
              { '@_schemeIdUri': `${CICP}ColourPrimaries`, '@_value': hdr.primaries },
              { '@_schemeIdUri': `${CICP}TransferCharacteristics`, '@_value': hdr.transfer },
              { '@_schemeIdUri': `${CICP}MatrixCoefficients`, '@_value': hdr.matrix },
            ],
          }
        : {}),
      Representation: g.members.map((m) => ({
        '@_id': m.rung.name,
        '@_codecs': m.rung.codecs,
        '@_bandwidth': dashBandwidth(m.track, minBuffer),
        '@_width': m.rung.width,
        '@_height': m.rung.height,
        '@_sar': `${m.rung.sar.num}:${m.rung.sar.den}`,
        SegmentTemplate: segmentTemplate(m.rung.name, m.track),
      })),
    });
  }
  for (const a of p.audio) {
    const dolby = a.plan.codecs === 'ec-3' || a.plan.codecs === 'ac-3';
    sets.push({
      '@_id': id++,
      '@_contentType': 'audio',
      '@_mimeType': 'audio/mp4',
      ...lang(a.plan.language),
      '@_segmentAlignment': 'true',
      '@_startWithSAP': 1,
      Label: a.plan.label,
      Role: role(a.plan.isDefault ? 'main' : 'alternate'),
      Representation: {
        '@_id': a.plan.name,
        '@_codecs': a.plan.codecs,
        '@_bandwidth': dashBandwidth(a.track, minBuffer),
        '@_audioSamplingRate': a.plan.sampleRate,
        AudioChannelConfiguration:
          dolby && a.plan.channels === 6
            ? { '@_schemeIdUri': 'tag:dolby.com,2014:dash:audio_channel_configuration:2011', '@_value': 'F801' }
            : { '@_schemeIdUri': 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011', '@_value': a.plan.channels },
        SegmentTemplate: segmentTemplate(a.plan.name, a.track),
      },
    });
  }
  const seconds = programmeSeconds(p);
  for (const c of p.captions) {
    const format = c.imsc1 ? 'imsc1' : c.webvtt ? 'webvtt' : null;
    const file = c.imsc1 ?? c.webvtt;
    if (!format || !file) continue;
    sets.push({
      '@_id': id++,
      '@_contentType': 'text',
      '@_mimeType': format === 'imsc1' ? 'application/ttml+xml' : 'text/vtt',
      ...lang(c.plan.language),
      Label: c.plan.label,
      Role: role(c.plan.kind === 'captions' ? 'caption' : c.plan.forced ? 'forced-subtitle' : 'subtitle'),
      Representation: {
        '@_id': c.plan.name,
        '@_bandwidth': Math.max(1, Math.ceil((file.size * 8) / Math.max(1, seconds))),
        BaseURL: fromManifest(captionPath(c.plan.name, format)),
      },
    });
  }
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    MPD: {
      '@_xmlns': 'urn:mpeg:dash:schema:mpd:2011',
      '@_profiles': 'urn:mpeg:dash:profile:isoff-live:2011',
      '@_type': 'static',
      '@_mediaPresentationDuration': duration(seconds),
      '@_maxSegmentDuration': duration(maxSegmentSeconds(p)),
      '@_minBufferTime': duration(minBuffer),
      Period: { '@_id': '0', '@_start': duration(0), AdaptationSet: sets },
    },
  };
  return new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
  }).build(doc) as string;
}

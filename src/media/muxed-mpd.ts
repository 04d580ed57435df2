import { XMLParser } from 'fast-xml-parser';
import { ApplianceError } from '../errors/appliance-error.js';
import { MUX_INIT_TEMPLATE, MUX_SEGMENT_TEMPLATE } from './cmaf-layout.js';

/** One media segment on a track's timeline: start and duration in the track's timescale. */
export interface TimelineSegment {
  start: number;
  duration: number;
}

/** What the dash muxer's MPD says about one output stream (Representation id = stream index). */
export interface MuxedTimeline {
  stream: number;
  contentType: 'video' | 'audio';
  timescale: number;
  /** Number of the first segment file (`chunk-i-<startNumber>.m4s`). */
  startNumber: number;
  segments: TimelineSegment[];
}

const muxOutputInvalid = (why: string) => new ApplianceError('PACKAGE_FAILED', `the dash muxer's manifest is not what was asked for: ${why}`);

type Node = Record<string, unknown>;
const ARRAYS = new Set(['Period', 'AdaptationSet', 'Representation', 'S']);

function int(value: unknown, what: string, min = 0): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw muxOutputInvalid(`${what} is ${JSON.stringify(value)}`);
  return n;
}

/**
 * Reads the segment timelines out of the MPD the dash muxer wrote (package-args.ts asked
 * for SegmentTemplate + SegmentTimeline, one Representation per output stream). Expands
 * `r` repeats; a gap or overlap between segments is refused (the manifests written from
 * these facts would lie). Throws PACKAGE_FAILED when the document is not that shape.
 */
export function parseMuxedMpd(xml: string): MuxedTimeline[] {
  let doc: Node;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (name) => ARRAYS.has(name) }).parse(
      xml,
    ) as Node;
  } catch (err) {
    throw muxOutputInvalid(`not XML (${(err as Error).message})`);
  }
  const mpd = doc.MPD as Node | undefined;
  if (!mpd || typeof mpd !== 'object') throw muxOutputInvalid('no MPD element');
  if (mpd.type !== 'static') throw muxOutputInvalid(`type is ${JSON.stringify(mpd.type)}, not static`);
  const periods = (mpd.Period as Node[] | undefined) ?? [];
  if (periods.length !== 1) throw muxOutputInvalid(`${periods.length} periods`);
  const out: MuxedTimeline[] = [];
  for (const set of ((periods[0] as Node).AdaptationSet as Node[] | undefined) ?? []) {
    for (const rep of (set.Representation as Node[] | undefined) ?? []) {
      const stream = int(rep.id, 'a Representation id');
      const mime = String(rep.mimeType ?? set.mimeType ?? '');
      const contentType = mime.startsWith('video/') ? 'video' : mime.startsWith('audio/') ? 'audio' : null;
      if (!contentType) throw muxOutputInvalid(`Representation ${stream} has mimeType ${JSON.stringify(mime)}`);
      const template = (rep.SegmentTemplate ?? set.SegmentTemplate) as Node | undefined;
      if (!template) throw muxOutputInvalid(`Representation ${stream} has no SegmentTemplate`);
      if (template.initialization !== MUX_INIT_TEMPLATE || template.media !== MUX_SEGMENT_TEMPLATE)
        throw muxOutputInvalid(`Representation ${stream} names its segments ${JSON.stringify(template.media)}`);
      const timescale = int(template.timescale, `timescale of Representation ${stream}`, 1);
      const startNumber = template.startNumber === undefined ? 1 : int(template.startNumber, `startNumber of Representation ${stream}`);
      const entries = ((template.SegmentTimeline as Node | undefined)?.S as Node[] | undefined) ?? [];
      if (entries.length === 0) throw muxOutputInvalid(`Representation ${stream} has no SegmentTimeline`);
      const segments: TimelineSegment[] = [];
      let next = 0;
      for (const s of entries) {
        const duration = int(s.d, `a segment duration of Representation ${stream}`, 1);
        const repeat = s.r === undefined ? 0 : int(s.r, `a repeat count of Representation ${stream}`);
        const start = s.t === undefined ? next : int(s.t, `a segment start of Representation ${stream}`);
        if (segments.length > 0 && start !== next) throw muxOutputInvalid(`Representation ${stream} has a gap or overlap at ${start}/${timescale}`);
        if (segments.length + repeat + 1 > 1_000_000) throw muxOutputInvalid(`Representation ${stream} has too many segments`);
        for (let i = 0; i <= repeat; i++) segments.push({ start: start + i * duration, duration });
        next = start + (repeat + 1) * duration;
      }
      out.push({ stream, contentType, timescale, startNumber, segments });
    }
  }
  out.sort((a, b) => a.stream - b.stream);
  out.forEach((t, i) => {
    if (t.stream !== i) throw muxOutputInvalid(`Representation ids are not 0..${out.length - 1}`);
  });
  return out;
}

import type { AudioTrack, ContainerInfo, FieldOrder, GopEstimate, HdrMetadata, MediaInfo, SubtitleTrack, VideoInfo } from './media-info.js';
import { hdrMetadataFromSideData, mergeHdrMetadata } from './hdr-metadata.js';
import { probeOutputInvalidError, mediaRejectedError, type RejectionReason } from './media-errors.js';
import { parseRational, rational, sameRational, toNumber, type Rational } from './rational.js';

/**
 * Reads the JSON that `probeArgs()` makes ffprobe print
 * (`-v error -print_format json -show_format -show_streams`).
 *
 * ffprobe prints `{}` (and exits 1) for a file it cannot open: a zero-byte file, a text
 * file named .mov, an MP4 cut before its `moov` box. That is the user's file being
 * unreadable, not an appliance fault, so it is an outcome (`readable: false`) that the
 * accepted-formats policy turns into a MEDIA_UNREADABLE rejection. Output that is not
 * JSON at all is an appliance fault and throws MEDIA_PROBE_OUTPUT_INVALID.
 */
export type ProbeOutcome = { readable: true; info: MediaInfo } | { readable: false; reason: RejectionReason };

export interface ReadProbeOptions {
  /** ffprobe's stderr: its first line becomes part of the "unreadable" message. */
  stderr?: string;
  /** From `parseKeyframeProbe()`, when a keyframe probe was run. */
  gop?: GopEstimate | null;
  /** From `parseHdrFrameProbe()` (the first frame's side data), when an HDR frame probe was run: fills what the stream lacks. */
  frameHdrMetadata?: HdrMetadata | null;
}

export function readProbe(stdout: string | unknown, options: ReadProbeOptions = {}): ProbeOutcome {
  let doc: unknown = stdout;
  if (typeof stdout === 'string') {
    if (stdout.trim() === '') return unreadable(options.stderr);
    try {
      doc = JSON.parse(stdout);
    } catch (err) {
      throw probeOutputInvalidError((err as Error).message);
    }
  }
  if (!isObject(doc)) throw probeOutputInvalidError('the top level is not an object');
  const format = doc['format'];
  if (!isObject(format) || typeof format['format_name'] !== 'string') return unreadable(options.stderr);
  const streams = Array.isArray(doc['streams']) ? doc['streams'].filter(isObject) : [];
  return { readable: true, info: toMediaInfo(format, streams, options.gop ?? null, options.frameHdrMetadata ?? null) };
}

/** `readProbe` for callers that want the MediaInfo or an error: throws MEDIA_REJECTED (422) when unreadable. */
export function parseProbe(stdout: string | unknown, options: ReadProbeOptions = {}): MediaInfo {
  const outcome = readProbe(stdout, options);
  if (!outcome.readable) throw mediaRejectedError([outcome.reason]);
  return outcome.info;
}

function unreadable(stderr: string | undefined): ProbeOutcome {
  const line = firstLine(stderr);
  return {
    readable: false,
    reason: {
      code: 'MEDIA_UNREADABLE',
      message: `the file is not readable media (empty, truncated or not a media file)${line ? `: ${line}` : ''}`,
    },
  };
}

function firstLine(text: string | undefined): string {
  if (!text) return '';
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  // ffprobe prefixes "[mov,mp4,… @ 0x…] " and ends with the file path; keep the gist, bounded.
  return line.replace(/^\[[^\]]*\]\s*/, '').slice(0, 200);
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '' || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v !== 'unknown' && v !== 'N/A' ? v : null;
}

function tags(o: Obj): Obj {
  return isObject(o['tags']) ? o['tags'] : {};
}

function disposition(o: Obj, key: string): boolean {
  const d = o['disposition'];
  return isObject(d) && d[key] === 1;
}

function toMediaInfo(format: Obj, streams: Obj[], gop: GopEstimate | null, frameHdr: HdrMetadata | null): MediaInfo {
  const formatName = String(format['format_name']);
  const container: ContainerInfo = {
    formatName,
    formatNames: formatName.split(',').filter(Boolean),
    longName: str(format['format_long_name']),
    durationSeconds: num(format['duration']),
    startTimeSeconds: num(format['start_time']),
    sizeBytes: int(format['size']),
    bitRate: int(format['bit_rate']),
    probeScore: int(format['probe_score']),
    streamCount: int(format['nb_streams']) ?? streams.length,
  };
  const videoStreams = streams.filter((s) => s['codec_type'] === 'video' && !disposition(s, 'attached_pic'));
  const audioStreams = streams.filter((s) => s['codec_type'] === 'audio');
  const first = videoStreams[0];
  return {
    container,
    video: first ? toVideo(first, gop, frameHdr) : null,
    videoStreamCount: videoStreams.length,
    audio: audioStreams.map(toAudio),
    subtitleCount: streams.filter((s) => s['codec_type'] === 'subtitle').length,
    subtitles: streams.filter((s) => s['codec_type'] === 'subtitle').map(toSubtitle),
  };
}

const FIELD_ORDERS: readonly FieldOrder[] = ['progressive', 'tt', 'bb', 'tb', 'bt'];

function toVideo(s: Obj, gop: GopEstimate | null, frameHdr: HdrMetadata | null): VideoInfo {
  const width = int(s['width']) ?? 0;
  const height = int(s['height']) ?? 0;
  const parsedSar = parseRational(s['sample_aspect_ratio']);
  const sar = parsedSar && parsedSar.num > 0 ? parsedSar : rational(1, 1);
  const dar = width > 0 && height > 0 ? rational(width * sar.num, height * sar.den) : rational(1, 1);
  const rotation = rotationOf(s);
  // Square-pixel size of the stored picture: widen (or narrow) the width by the SAR.
  const squareWidth = Math.max(1, Math.round((width * sar.num) / sar.den));
  const swap = rotation === 90 || rotation === 270;
  const frameRate = parseRational(s['r_frame_rate']);
  const averageFrameRate = parseRational(s['avg_frame_rate']);
  const fieldOrderText = str(s['field_order']);
  const fieldOrder: FieldOrder = FIELD_ORDERS.includes(fieldOrderText as FieldOrder) ? (fieldOrderText as FieldOrder) : 'unknown';
  const pixelFormat = str(s['pix_fmt']);
  const transfer = str(s['color_transfer']);
  return {
    index: int(s['index']) ?? 0,
    codec: str(s['codec_name']) ?? 'unknown',
    profile: str(s['profile']),
    level: int(s['level']),
    width,
    height,
    sar,
    sarKnown: parsedSar !== null,
    dar,
    rotation,
    displayWidth: swap ? height : squareWidth,
    displayHeight: swap ? squareWidth : height,
    frameRate,
    averageFrameRate,
    variableFrameRate: isVariable(frameRate, averageFrameRate),
    frameCount: int(s['nb_frames']),
    durationSeconds: num(s['duration']),
    bitRate: int(s['bit_rate']),
    fieldOrder,
    interlaced: fieldOrder === 'tt' || fieldOrder === 'bb' || fieldOrder === 'tb' || fieldOrder === 'bt',
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, s['bits_per_raw_sample']),
    color: {
      primaries: str(s['color_primaries']),
      transfer,
      matrix: str(s['color_space']),
      range: str(s['color_range']),
    },
    hdr: transfer === 'smpte2084' || transfer === 'arib-std-b67',
    hdrMetadata: mergeHdrMetadata(hdrMetadataFromSideData(s['side_data_list']), frameHdr),
    closedCaptions: int(s['closed_captions']) === 1,
    gop,
  };
}

function isVariable(r: Rational | null, avg: Rational | null): boolean {
  if (!r || !avg) return false;
  if (sameRational(r, avg)) return false;
  return Math.abs(toNumber(r) - toNumber(avg)) / toNumber(r) > 0.01;
}

/** Counter-clockwise display rotation from the display matrix side data, else the legacy `rotate` tag (clockwise). */
function rotationOf(s: Obj): 0 | 90 | 180 | 270 {
  let ccw: number | null = null;
  const sideData = Array.isArray(s['side_data_list']) ? s['side_data_list'].filter(isObject) : [];
  for (const sd of sideData) {
    const r = num(sd['rotation']);
    if (r !== null && (sd['side_data_type'] === 'Display Matrix' || 'displaymatrix' in sd)) ccw = r;
  }
  if (ccw === null) {
    const tag = num(tags(s)['rotate']);
    if (tag !== null) ccw = -tag;
  }
  if (ccw === null) return 0;
  const quarter = (((Math.round(ccw / 90) * 90) % 360) + 360) % 360;
  return quarter as 0 | 90 | 180 | 270;
}

function bitDepthOf(pixelFormat: string | null, bitsPerRawSample: unknown): number | null {
  if (pixelFormat) {
    if (/^(rgb48|bgr48|rgba64|bgra64)/.test(pixelFormat)) return 16;
    if (pixelFormat === 'v210') return 10;
    const m = /(\d{2})(le|be)$/.exec(pixelFormat); // yuv422p10le, p010le, gray12le, gbrp16be
    if (m && Number(m[1]) >= 9 && Number(m[1]) <= 16) return Number(m[1]);
    if (/^(yuvj?4[0-9]{2}p|yuva4[0-9]{2}p|nv12|nv16|nv21|gray|rgb24|bgr24|rgba|bgra|argb|abgr|gbrp|uyvy422|yuyv422)$/.test(pixelFormat)) return 8;
  }
  const raw = int(bitsPerRawSample);
  return raw && raw > 0 ? raw : null;
}

function toAudio(s: Obj, trackNumber: number): AudioTrack {
  const lang = str(tags(s)['language']);
  return {
    index: int(s['index']) ?? 0,
    trackNumber,
    codec: str(s['codec_name']) ?? 'unknown',
    profile: str(s['profile']),
    channels: int(s['channels']),
    channelLayout: str(s['channel_layout']),
    sampleRate: int(s['sample_rate']),
    language: lang && lang !== 'und' ? lang : null,
    isDefault: disposition(s, 'default'),
    bitRate: int(s['bit_rate']),
    durationSeconds: num(s['duration']),
  };
}

const TEXT_SUBTITLE_CODECS: readonly string[] = ['mov_text', 'subrip', 'srt', 'webvtt', 'ass', 'ssa', 'text', 'ttml', 'eia_608'];

function toSubtitle(s: Obj, trackNumber: number): SubtitleTrack {
  const lang = str(tags(s)['language']);
  const codec = str(s['codec_name']) ?? 'unknown';
  return {
    index: int(s['index']) ?? 0,
    trackNumber,
    codec,
    text: TEXT_SUBTITLE_CODECS.includes(codec),
    language: lang && lang !== 'und' ? lang : null,
    isDefault: disposition(s, 'default'),
    forced: disposition(s, 'forced'),
  };
}

import type { HdrMetadata } from './media-info.js';

/**
 * HDR10 static metadata from ffprobe's `side_data_list` (of a stream, or of a frame):
 *
 *   { side_data_type: "Mastering display metadata", red_x: "34000/50000", …,
 *     white_point_y: "16450/50000", min_luminance: "50/10000", max_luminance: "10000000/10000" }
 *   { side_data_type: "Content light level metadata", max_content: 1000, max_average: 400 }
 *
 * converted to the integer units of `HdrMetadata` (chromaticity × 50 000, luminance ×
 * 10 000, light levels in cd/m²) whatever denominator the file used. A block that is
 * incomplete or out of range is left out (null), never guessed: x265 needs all of it.
 */
export function hdrMetadataFromSideData(sideDataList: unknown): HdrMetadata | null {
  const list = Array.isArray(sideDataList) ? sideDataList.filter(isObject) : [];
  let masteringDisplay: HdrMetadata['masteringDisplay'] = null;
  let contentLight: HdrMetadata['contentLight'] = null;
  for (const sd of list) {
    const type = sd['side_data_type'];
    if (type === 'Mastering display metadata') masteringDisplay = masteringDisplayOf(sd) ?? masteringDisplay;
    else if (type === 'Content light level metadata') contentLight = contentLightOf(sd) ?? contentLight;
  }
  return masteringDisplay || contentLight ? { masteringDisplay, contentLight } : null;
}

/**
 * Reads the JSON of `hdrFrameProbeArgs` (probe-args.ts): the side data of the first decoded
 * frame, where an HEVC elementary stream (or a container that does not copy it to the
 * stream) carries HDR10 metadata as SEI. Output that is not that JSON gives null: the
 * frame probe is a supplement, and an HDR rung without static metadata is still valid.
 */
export function parseHdrFrameProbe(stdout: string): HdrMetadata | null {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return null;
  }
  if (!isObject(doc) || !Array.isArray(doc['frames'])) return null;
  const first = doc['frames'].find(isObject);
  return first ? hdrMetadataFromSideData(first['side_data_list']) : null;
}

/** The stream's metadata, each block missing from it taken from the frame's. */
export function mergeHdrMetadata(stream: HdrMetadata | null, frame: HdrMetadata | null): HdrMetadata | null {
  const masteringDisplay = stream?.masteringDisplay ?? frame?.masteringDisplay ?? null;
  const contentLight = stream?.contentLight ?? frame?.contentLight ?? null;
  return masteringDisplay || contentLight ? { masteringDisplay, contentLight } : null;
}

/** Whether `stream` lacks a block the first frame may still carry (so a frame probe is worth running). */
export function hdrMetadataIncomplete(stream: HdrMetadata | null): boolean {
  return !stream?.masteringDisplay || !stream.contentLight;
}

/** ST 2086 limits: chromaticity 0..1 (0..50 000), luminance up to 10 000 cd/m² (10⁸ units). */
const MAX_CHROMATICITY = 50_000;
const MAX_LUMINANCE = 100_000_000;

function masteringDisplayOf(sd: Obj): NonNullable<HdrMetadata['masteringDisplay']> | null {
  const xy = (key: string): [number, number] | null => {
    const x = scaled(sd[`${key}_x`], 50_000, MAX_CHROMATICITY);
    const y = scaled(sd[`${key}_y`], 50_000, MAX_CHROMATICITY);
    return x === null || y === null ? null : [x, y];
  };
  const red = xy('red');
  const green = xy('green');
  const blue = xy('blue');
  const whitePoint = xy('white_point');
  const maxLuminance = scaled(sd['max_luminance'], 10_000, MAX_LUMINANCE);
  const minLuminance = scaled(sd['min_luminance'], 10_000, MAX_LUMINANCE);
  if (!red || !green || !blue || !whitePoint || maxLuminance === null || minLuminance === null) return null;
  if (maxLuminance === 0 || minLuminance >= maxLuminance) return null;
  return { red, green, blue, whitePoint, maxLuminance, minLuminance };
}

function contentLightOf(sd: Obj): HdrMetadata['contentLight'] {
  const maxCll = wholeNumber(sd['max_content']);
  const maxFall = wholeNumber(sd['max_average']);
  if (maxCll === null || maxFall === null) return null;
  // CTA-861.3: 0 means "unknown"; both unknown carries nothing.
  if (maxCll === 0 && maxFall === 0) return null;
  return { maxCll, maxFall };
}

/** "34000/50000" (or a plain number) × `unit`, rounded; null when absent, malformed or outside 0..max. */
function scaled(v: unknown, unit: number, max: number): number | null {
  let value: number | null = null;
  if (typeof v === 'number') value = v;
  else if (typeof v === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
    if (m) value = Number(m[2]) === 0 ? null : Number(m[1]) / Number(m[2]);
    else if (/^\s*\d+(\.\d+)?\s*$/.test(v)) value = Number(v);
  }
  if (value === null || !Number.isFinite(value)) return null;
  const units = Math.round(value * unit);
  return units >= 0 && units <= max ? units : null;
}

/** cd/m² of CTA-861.3: an integer 0..65 535. */
function wholeNumber(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 && n <= 65_535 ? n : null;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

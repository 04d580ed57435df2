import { checkDistinctPaths, checkInput, checkInt, checkPath } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';
import type { Rational } from './rational.js';

/** One encoded chunk of a rung, in its chunk folder: its file name there and how many frames it was planned to hold. */
export interface StitchChunk {
  fileName: string;
  frames: number;
}

/**
 * A chunk file name the concat list may hold: a plain name inside the list's own folder,
 * of the characters the concat demuxer's `-safe 1` admits ([A-Za-z0-9_.-], not starting
 * with a dot), so no `-safe 0` is ever needed and nothing outside the folder can be named.
 */
const SAFE_CHUNK_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/**
 * The concat demuxer's list (`ffconcat version 1.0`) of one rung's chunks, in order:
 * `file NAME` + `duration SECONDS` each. The durations make chunk k start at exactly
 * (frames before it) ÷ frameRate: concat offsets each file by the sum of the durations
 * before it, in microseconds, so each duration is the difference of the exact cumulative
 * start times rounded to the microsecond. The rounding never accumulates (every start is
 * within 0.5 µs of exact), which keeps the pts grid exact for any time base coarser than
 * 1 µs — 30000/1001 included.
 */
export function stitchListText(chunks: readonly StitchChunk[], frameRate: Rational): string {
  if (chunks.length === 0) throw mediaArgumentError('a stitch needs at least one chunk');
  const num = BigInt(checkInt(frameRate.num, 1, 1_000_000, 'frame rate numerator'));
  const den = BigInt(checkInt(frameRate.den, 1, 1_000_000, 'frame rate denominator'));
  const seen = new Set<string>();
  const lines = ['ffconcat version 1.0'];
  let before = 0n;
  for (const [i, chunk] of chunks.entries()) {
    const name = chunk.fileName;
    if (typeof name !== 'string' || !SAFE_CHUNK_NAME.test(name))
      throw mediaArgumentError(`chunk ${i}: ${JSON.stringify(name)} is not a plain file name ([A-Za-z0-9_.-], no leading dot)`, { chunk: i });
    if (seen.has(name)) throw mediaArgumentError(`chunk ${i}: ${name} is listed twice`, { chunk: i });
    seen.add(name);
    const after = before + BigInt(checkInt(chunk.frames, 1, 100_000_000, `chunk ${i} frames`));
    lines.push(`file ${name}`, `duration ${seconds(micros(after, num, den) - micros(before, num, den))}`);
    before = after;
  }
  return `${lines.join('\n')}\n`;
}

/** frames ÷ (num/den) seconds, in microseconds, rounded half up. */
function micros(frames: bigint, num: bigint, den: bigint): bigint {
  return (2n * frames * den * 1_000_000n + num) / (2n * num);
}

/** Microseconds as decimal seconds: "4", "3.336667". */
function seconds(us: bigint): string {
  const whole = us / 1_000_000n;
  const frac = (us % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/**
 * ffmpeg argv that concatenates the chunks a list names (`stitchListText`, written in the
 * chunks' own folder) into one MP4 without re-encoding: the concat demuxer in safe mode
 * (relative names only; the verified spawn's `-protocol_whitelist file,pipe` before `-i`
 * carries over to the files it opens), the first video stream copied, nothing else,
 * faststart. `-fflags +bitexact` and no metadata keep the encoder string and creation
 * times out, so the same chunks give the same bytes. `-xerror`: without it ffmpeg 7.1 takes
 * a chunk it cannot open for the end of the input, and rewrites the dts of a chunk that
 * overlaps the next, and exits 0 either way; with it both fail the run.
 */
export function stitchArgs(listPath: string, output: string): string[] {
  const list = checkPath(listPath, 'stitch list');
  const out = checkPath(output, 'stitch output');
  checkDistinctPaths([list], [out]);
  return [
    ...['-hide_banner', '-loglevel', 'warning', '-nostats', '-xerror', '-y'],
    ...['-f', 'concat', '-safe', '1', '-i', list],
    ...['-map', '0:v:0', '-c', 'copy', '-an', '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1'],
    ...['-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', out],
  ];
}

/**
 * ffprobe argv that prints every packet of the first video stream (pts, dts, duration,
 * size, flags), then that stream's time base: what `parsePacketIndex` (stitch-check.ts)
 * reads. Reads packets only, decodes nothing. The `compact` writer (one `key=value|…` line
 * per packet, ~60 bytes) rather than JSON (~160): a long rung's index stays well inside
 * what the stage pool collects.
 */
export function packetIndexArgs(input: string): string[] {
  return [
    ...['-hide_banner', '-v', 'error', '-select_streams', 'v:0'],
    ...['-show_entries', 'packet=pts,dts,duration,size,flags:stream=time_base', '-print_format', 'compact'],
    ...['-i', checkInput(input, 'packet index input')],
  ];
}

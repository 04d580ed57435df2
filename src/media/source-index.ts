import { checkInput, checkInt } from './argv-values.js';
import { parseRational, toNumber } from './rational.js';

/**
 * The master's video packet index: how many frames it holds and where its keyframes are.
 * Read from packets only (no decoding) over the whole file, once, for a master long enough
 * to be chunked; chunk planning (chunk-plan.ts) needs the exact frame count and the
 * longest distance between keyframes (each chunk's seek decodes from the keyframe before it).
 */
export interface SourceIndex {
  /** Video packets: frames of a progressive or frame-coded master. */
  frames: number;
  /** Keyframe times, seconds from the first packet, ascending. */
  keyframeSeconds: number[];
  /** Seconds from the first to the last packet's timestamp, plus one frame is the duration. */
  lastSeconds: number;
}

/** ffprobe argv: `pts,flags` per packet of one stream in file order, then the stream's time base (CSV, no header). */
export function sourceIndexArgs(input: string, streamIndex: number): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-select_streams',
    String(checkInt(streamIndex, 0, 65535, 'stream index')),
    '-show_entries',
    'stream=time_base:packet=pts,flags',
    '-of',
    'csv=p=0',
    '-i',
    checkInput(input, 'index input'),
  ];
}

/**
 * Parses `sourceIndexArgs` output. Null when it cannot be trusted as an index: no packets,
 * a packet without a timestamp, or no time base — the master is then encoded in one piece.
 */
export function parseSourceIndex(stdout: string): SourceIndex | null {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const base = parseRational(lines.at(-1)?.trim());
  if (!base || lines.length < 2) return null;
  const tb = toNumber(base);
  const pts: number[] = [];
  const keys: number[] = [];
  for (const line of lines.slice(0, -1)) {
    const [p, flags] = line.split(',');
    const v = Number(p);
    if (p === undefined || p.trim() === '' || !Number.isSafeInteger(v) || flags === undefined) return null;
    pts.push(v);
    if (flags.startsWith('K')) keys.push(v);
  }
  const first = Math.min(...pts);
  const last = Math.max(...pts);
  return {
    frames: pts.length,
    keyframeSeconds: keys.map((k) => (k - first) * tb).sort((a, b) => a - b),
    lastSeconds: (last - first) * tb,
  };
}

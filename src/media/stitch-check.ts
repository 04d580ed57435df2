import { probeOutputInvalidError } from './media-errors.js';
import { parseRational, type Rational } from './rational.js';

/** One packet of the stitched video stream, in file (decode) order; timestamps in `timeBase` ticks. */
export interface IndexedPacket {
  pts: number | null;
  dts: number | null;
  duration: number | null;
  size: number;
  keyframe: boolean;
}

/** What `packetIndexArgs` (stitch-args.ts) printed, read. */
export interface PacketIndex {
  timeBase: Rational;
  packets: IndexedPacket[];
}

/** What a stitched rung must be: the plan of the rung and of its chunks. */
export interface StitchExpectation {
  frames: number;
  frameRate: Rational;
  /** Planned keyframe frame indices over the whole rung (chunk starts among them). */
  keyframes: number[];
  maxrateKbps: number;
  bufsizeKbps: number;
  /** Frame index where each chunk starts (0 first). */
  chunkStarts: number[];
}

export type StitchProblemCode = 'STITCH_FRAME_COUNT' | 'STITCH_TIMESTAMPS' | 'STITCH_GOP';

export interface StitchProblem {
  code: StitchProblemCode;
  message: string;
  /** The frame (presentation order) it concerns, when it concerns one. */
  frame?: number;
}

export interface StitchReport {
  /** No problem: the stitched rung is the planned one, frame for frame. VBV never makes it false. */
  ok: boolean;
  frames: number;
  problems: StitchProblem[];
  keyframes: number;
  vbv: VbvReport;
}

/**
 * The VBV leaky bucket as a decoder sees the stitched stream. MEASURED AND REPORTED, NEVER A
 * FAILURE: each chunk was encoded by its own rate control, which starts with its own full
 * buffer and knows nothing of the chunk before it, so conformance across a join cannot be
 * guaranteed by chunked encoding; the report says how close the stream came and where.
 */
export interface VbvReport {
  /** Frames whose bits were not all in the buffer at their decode time (the buffer is then taken as empty). */
  underflows: number;
  /** Lowest fullness after removing a frame, 0..1 of `bufsizeKbps`. */
  minFullness: number;
  /** Decode time (dts × time base, seconds) of the frame that left the buffer lowest. */
  worstSeconds: number;
  /** That frame lies in the GOP just before or just after a chunk start other than the first. */
  worstNearBoundary: boolean;
}

/** At most this many problems of one code are listed one by one; the rest are counted in one last problem. */
const MAX_PER_CODE = 10;

/**
 * Reads what `packetIndexArgs` printed (ffprobe's `compact` writer: one `packet|pts=…|dts=…|
 * duration=…|size=…|flags=…` line per packet, then `stream|time_base=N/D`). The stream line
 * comes last, so output cut short (the stage pool collects at most 32 MiB of stdout: about
 * 2.5 h at 60 fps, 6 h at 25 fps) has none and is refused. MEDIA_PROBE_OUTPUT_INVALID when it is not this.
 */
export function parsePacketIndex(stdout: string): PacketIndex {
  const lines = stdout.split('\n').filter((l) => l !== '');
  const last = lines.pop();
  const stream = last === undefined ? null : fields(last, 'stream');
  const timeBase = parseRational(stream?.get('time_base'));
  if (!timeBase || timeBase.num <= 0) throw probeOutputInvalidError("the packet index does not end with the video stream's time base");
  const packets = lines.map((line, i): IndexedPacket => {
    const f = fields(line, 'packet');
    const size = f ? integer(f.get('size')) : null;
    if (!f || size === null || size < 0) throw probeOutputInvalidError(`line ${i + 1} of the packet index is not a packet`);
    return {
      pts: integer(f.get('pts')),
      dts: integer(f.get('dts')),
      duration: integer(f.get('duration')),
      size,
      keyframe: (f.get('flags') ?? '').startsWith('K'),
    };
  });
  return { timeBase, packets };
}

/** The key=value fields of one compact line of `section`, or null when it is another section's. */
function fields(line: string, section: string): Map<string, string> | null {
  const [head, ...items] = line.split('|');
  if (head !== section) return null;
  return new Map(items.map((item) => [item.slice(0, Math.max(0, item.indexOf('='))), item.slice(item.indexOf('=') + 1)]));
}

/** A timestamp or size: "N/A" or absent is null. */
function integer(value: string | undefined): number | null {
  const n = value !== undefined && /^-?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Checks a stitched rung against its plan: the frame count; every pts on the constant-rate
 * grid from the first (no gap, no duplicate); dts strictly increasing; a keyframe exactly
 * at each planned index and nowhere else. Any of these is a problem and `ok` is false.
 * The VBV model is measured alongside and only reported (vbv.ts says why).
 */
export function checkStitch(index: PacketIndex, expected: StitchExpectation): StitchReport {
  const problems = new Problems();
  const packets = index.packets;
  if (packets.length !== expected.frames) problems.add({ code: 'STITCH_FRAME_COUNT', message: `${packets.length} frames, ${expected.frames} planned` });

  // Frame duration in ticks: (den_r / num_r) s ÷ (num_tb / den_tb) s.
  const { num, den } = index.timeBase;
  const ticks = (expected.frameRate.den * den) / (expected.frameRate.num * num);
  if (!Number.isSafeInteger(ticks) || ticks <= 0)
    problems.add({
      code: 'STITCH_TIMESTAMPS',
      message: `a frame at ${expected.frameRate.num}/${expected.frameRate.den} fps is not a whole number of ${num}/${den} s ticks`,
    });
  const missing = packets.filter((p) => p.pts === null || p.dts === null).length;
  if (missing > 0) problems.add({ code: 'STITCH_TIMESTAMPS', message: `${missing} packets without a pts or dts` });

  const pts = packets.flatMap((p) => (p.pts === null ? [] : [p.pts])).sort((a, b) => a - b);
  if (Number.isSafeInteger(ticks) && ticks > 0) {
    for (let i = 1; i < pts.length; i++) {
      const step = (pts[i] as number) - (pts[i - 1] as number);
      if (step === ticks) continue;
      const message =
        step === 0
          ? `a duplicate frame at pts ${pts[i]}`
          : step % ticks === 0
            ? `${step / ticks - 1} frames missing before pts ${pts[i]}`
            : `pts ${pts[i]} is ${step} ticks after the previous frame, not ${ticks}`;
      problems.add({ code: 'STITCH_TIMESTAMPS', message, frame: i });
    }
  }
  let lastDts: number | null = null;
  packets.forEach((p, i) => {
    if (p.dts === null) return;
    if (lastDts !== null && p.dts <= lastDts)
      problems.add({ code: 'STITCH_TIMESTAMPS', message: `dts ${p.dts} of packet ${i} does not increase (previous ${lastDts})` });
    lastDts = p.dts;
  });

  const first = pts[0] ?? 0;
  const frameOf = (p: IndexedPacket) => (ticks > 0 && p.pts !== null ? Math.round((p.pts - first) / ticks) : null);
  const found = new Set(packets.filter((p) => p.keyframe).map(frameOf));
  const planned = new Set(expected.keyframes);
  for (const k of [...planned].sort((a, b) => a - b))
    if (!found.has(k)) problems.add({ code: 'STITCH_GOP', message: `no keyframe at frame ${k}, where one is planned`, frame: k });
  for (const k of [...found].sort((a, b) => (a ?? -1) - (b ?? -1)))
    if (k === null || !planned.has(k))
      problems.add({ code: 'STITCH_GOP', message: `a keyframe at frame ${k ?? '?'}, where none is planned`, ...(k === null ? {} : { frame: k }) });

  const list = problems.list();
  return {
    ok: list.length === 0,
    frames: packets.length,
    problems: list,
    keyframes: packets.filter((p) => p.keyframe).length,
    vbv: simulateVbv(index, expected, frameOf),
  };
}

/** Problems in the order found, at most MAX_PER_CODE listed per code. */
class Problems {
  readonly #listed: StitchProblem[] = [];
  readonly #more = new Map<StitchProblemCode, number>();

  add(p: StitchProblem): void {
    if (this.#listed.filter((q) => q.code === p.code).length < MAX_PER_CODE) this.#listed.push(p);
    else this.#more.set(p.code, (this.#more.get(p.code) ?? 0) + 1);
  }

  list(): StitchProblem[] {
    return [...this.#listed, ...[...this.#more].map(([code, n]) => ({ code, message: `and ${n} more ${code} problems` }))];
  }
}

/**
 * Buffer of `bufsizeKbps`, filled at `maxrateKbps`, full at the first frame; in decode
 * (file) order each frame's bits leave at its dts, the buffer filling up to full between.
 */
function simulateVbv(index: PacketIndex, expected: StitchExpectation, frameOf: (p: IndexedPacket) => number | null): VbvReport {
  const size = expected.bufsizeKbps * 1000;
  const rate = expected.maxrateKbps * 1000;
  const tick = index.timeBase.num / index.timeBase.den;
  let fullness = size;
  let last: number | null = null;
  let underflows = 0;
  let worst: { fullness: number; packet: IndexedPacket | null } = { fullness: size, packet: null };
  for (const p of index.packets) {
    if (p.dts === null) continue;
    if (last !== null) fullness = Math.min(size, fullness + rate * Math.max(0, p.dts - last) * tick);
    last = p.dts;
    fullness -= p.size * 8;
    if (fullness < 0) {
      underflows += 1;
      fullness = 0;
    }
    if (fullness < worst.fullness || worst.packet === null) worst = { fullness, packet: p };
  }
  const worstFrame = worst.packet ? frameOf(worst.packet) : null;
  return {
    underflows,
    minFullness: size > 0 ? worst.fullness / size : 0,
    worstSeconds: worst.packet && worst.packet.dts !== null ? worst.packet.dts * tick : 0,
    worstNearBoundary: worstFrame !== null && nearJoin(worstFrame, expected),
  };
}

/** Whether `frame` lies in the planned GOP just before or just after a chunk start (the first chunk's start is no join). */
function nearJoin(frame: number, expected: StitchExpectation): boolean {
  const keys = [...expected.keyframes].sort((a, b) => a - b);
  return expected.chunkStarts.some((start) => {
    if (start <= 0) return false;
    const before = keys.filter((k) => k < start).at(-1) ?? 0;
    const after = keys.find((k) => k > start) ?? expected.frames;
    return frame >= before && frame < after;
  });
}

/**
 * ffmpeg `-progress pipe:1` output: blocks of `key=value` lines, each ending with
 * `progress=continue` or `progress=end`, every `-stats_period` seconds.
 */
export interface EncodeProgress {
  /** 0..1 of the master's duration; 1 at `progress=end`; null when the duration is unknown. */
  fraction: number | null;
  fps: number | null;
  /** Realtime multiple ("2.5x" → 2.5). */
  speed: number | null;
  outTimeSeconds: number | null;
  frame: number | null;
  done: boolean;
}

/** One block (the lines up to and including `progress=…`). */
export function parseProgressBlock(block: string, durationSeconds: number | null): EncodeProgress {
  const kv = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const number = (v: string | undefined) => {
    if (v === undefined || v === '' || v === 'N/A') return null;
    const n = Number(v.replace(/x$/, ''));
    return Number.isFinite(n) ? n : null;
  };
  const us = number(kv.get('out_time_us')) ?? number(kv.get('out_time_ms')); // out_time_ms is microseconds too (an old ffmpeg misnomer)
  const outTimeSeconds = us !== null && us >= 0 ? us / 1e6 : parseClock(kv.get('out_time'));
  const done = kv.get('progress') === 'end';
  let fraction: number | null = null;
  if (done) fraction = 1;
  else if (durationSeconds && durationSeconds > 0 && outTimeSeconds !== null) fraction = Math.min(1, Math.max(0, outTimeSeconds / durationSeconds));
  return { fraction, fps: number(kv.get('fps')), speed: number(kv.get('speed')), outTimeSeconds, frame: number(kv.get('frame')), done };
}

function parseClock(v: string | undefined): number | null {
  const m = v ? /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(v) : null;
  if (!m || m[1] === '-') return null;
  return Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** Feeds stdout chunks as they arrive; returns the progress of every block completed by this chunk. */
export class ProgressReader {
  private buffer = '';
  constructor(private readonly durationSeconds: number | null) {}

  push(chunk: string): EncodeProgress[] {
    this.buffer += chunk;
    const out: EncodeProgress[] = [];
    for (;;) {
      const m = /^progress=[^\n]*\n?/m.exec(this.buffer);
      if (!m || !m[0].endsWith('\n')) break;
      const end = m.index + m[0].length;
      out.push(parseProgressBlock(this.buffer.slice(0, end), this.durationSeconds));
      this.buffer = this.buffer.slice(end);
    }
    return out;
  }
}

import type { GopEstimate } from './media-info.js';
import { probeOutputInvalidError } from './media-errors.js';

/** Reads `keyframeProbeArgs()` output; null when the window holds fewer than two keyframes. */
export function parseKeyframeProbe(stdout: string | unknown): GopEstimate | null {
  let doc: unknown = stdout;
  if (typeof stdout === 'string') {
    try {
      doc = JSON.parse(stdout);
    } catch (err) {
      throw probeOutputInvalidError((err as Error).message);
    }
  }
  const packets =
    typeof doc === 'object' && doc !== null && Array.isArray((doc as Record<string, unknown>)['packets'])
      ? ((doc as Record<string, unknown>)['packets'] as unknown[])
      : [];
  const times: number[] = [];
  const keys: number[] = [];
  for (const p of packets) {
    if (typeof p !== 'object' || p === null) continue;
    const rec = p as Record<string, unknown>;
    const t = Number(rec['pts_time'] ?? rec['dts_time']);
    if (!Number.isFinite(t)) continue;
    times.push(t);
    if (typeof rec['flags'] === 'string' && rec['flags'].includes('K')) keys.push(t);
  }
  if (keys.length < 2) return null;
  keys.sort((a, b) => a - b);
  const gaps = keys.slice(1).map((t, i) => t - (keys[i] as number));
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    keyframes: keys.length,
    medianSeconds: round(median),
    maxSeconds: round(Math.max(...gaps)),
    windowSeconds: round(Math.max(...times) - Math.min(...times)),
  };
}

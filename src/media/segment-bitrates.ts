import type { CmafTrack } from './packaged-programme.js';

/**
 * Bit rates of a track measured from its segments (sizes in bytes, durations from the
 * timeline), in bits per second, rounded up. Init segments are not media segments and do
 * not count.
 */

/** Total media bits over total media duration: HLS AVERAGE-BANDWIDTH (RFC 8216bis §4.4.6.2). */
export function averageBitrate(track: CmafTrack): number {
  let bytes = 0;
  let ticks = 0;
  for (const s of track.segments) {
    bytes += s.size;
    ticks += s.duration;
  }
  return ticks > 0 ? Math.ceil((bytes * 8 * track.timescale) / ticks) : 0;
}

/**
 * HLS peak segment bit rate (RFC 8216bis §4.4.6.2): the largest bit rate of any contiguous
 * run of segments lasting 0.5 to 1.5 target durations. A short last segment thus counts
 * together with its neighbour instead of on its own (one keyframe in 40 ms is not a peak).
 * A track too short for any such run is measured whole.
 */
export function peakSegmentBitrate(track: CmafTrack, targetDurationSeconds: number): number {
  const min = 0.5 * targetDurationSeconds * track.timescale;
  const max = 1.5 * targetDurationSeconds * track.timescale;
  const segs = track.segments;
  let peak = 0;
  let found = false;
  for (let i = 0; i < segs.length; i++) {
    let bytes = 0;
    let ticks = 0;
    for (let j = i; j < segs.length; j++) {
      bytes += (segs[j] as { size: number }).size;
      ticks += (segs[j] as { duration: number }).duration;
      if (ticks > max) break;
      if (ticks >= min) {
        found = true;
        peak = Math.max(peak, (bytes * 8 * track.timescale) / ticks);
      }
    }
  }
  return found ? Math.ceil(peak) : averageBitrate(track);
}

/**
 * DASH `@bandwidth` (ISO/IEC 23009-1 §5.3.5.2): the smallest rate at which the track,
 * delivered from the start of any segment after `minBufferTime` seconds of buffering, never
 * runs dry — the largest `bits(k..j) / (minBufferTime + duration(k..j-1))` over segment runs
 * k..j (segment j must be fully in when it is due to play). Never below the average bit
 * rate: on a programme only a few buffers long the buffer alone would cover most of it, and
 * players pick representations by this figure.
 */
export function dashBandwidth(track: CmafTrack, minBufferSeconds: number): number {
  const segs = track.segments;
  const buffer = minBufferSeconds * track.timescale;
  let best = 0;
  for (let k = 0; k < segs.length; k++) {
    let bytes = 0;
    let before = 0;
    for (let j = k; j < segs.length; j++) {
      const s = segs[j] as { size: number; duration: number };
      bytes += s.size;
      best = Math.max(best, (bytes * 8 * track.timescale) / (buffer + before));
      before += s.duration;
    }
  }
  return Math.max(1, Math.ceil(best), averageBitrate(track));
}

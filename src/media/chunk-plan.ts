import type { LadderPlan } from './plan-types.js';
import type { VideoInfo } from './media-info.js';
import { sameRational } from './rational.js';
import type { SourceIndex } from './source-index.js';

/**
 * Chunk planning (docs/chunking.md), pure: whether a master is encoded in chunks, and where
 * they start. Every chunk starts on a GOP boundary of the OUTPUT (a forced keyframe of the
 * unchunked encode), so the stitched rungs have exactly the unchunked keyframes and segments.
 */

/** The appliance's chunking settings (config `chunking`). */
export interface ChunkingPolicy {
  enabled: boolean;
  /** Masters longer than this are chunked. */
  thresholdSeconds: number;
  /** Target chunk length, rounded to whole GOPs. */
  chunkSeconds: number;
}

/** One chunk: output frames [startFrame, startFrame + frames), its time range, its first GOP's number. */
export interface ChunkRange {
  index: number;
  startFrame: number;
  frames: number;
  startSeconds: number;
  endSeconds: number;
  firstGop: number;
}

/** Why a master is, or is not, chunked: stable codes for the audit trail (docs/chunking.md). */
export type ChunkReasonCode =
  | 'long-master'
  | 'disabled'
  | 'audio-only'
  | 'short-master'
  | 'duration-unknown'
  | 'variable-frame-rate'
  | 'frame-rate-conversion'
  | 'no-index'
  | 'long-gop'
  | 'one-chunk';

export type ChunkDecision =
  | { chunked: false; reasonCode: Exclude<ChunkReasonCode, 'long-master'>; reason: string }
  | { chunked: true; reasonCode: 'long-master'; reason: string; chunkSeconds: number; totalFrames: number; gops: number; chunks: ChunkRange[] };

/** First frame of GOP `n` of the unchunked encode: the first frame whose time reaches n × gopSeconds (`-force_key_frames` in video-encode-args.ts). */
export function gopStartFrame(plan: Pick<LadderPlan, 'frameRate' | 'gopSeconds'>, n: number): number {
  const { num, den } = plan.frameRate;
  return Math.floor((n * plan.gopSeconds * num + den - 1) / den);
}

/** Seconds of output frame `f`. */
export function frameSeconds(plan: Pick<LadderPlan, 'frameRate'>, f: number): number {
  return (f * plan.frameRate.den) / plan.frameRate.num;
}

/** Keyframe frame indices of the whole programme of `totalFrames` (each GOP's first frame). */
export function plannedKeyframes(plan: Pick<LadderPlan, 'frameRate' | 'gopSeconds'>, totalFrames: number): number[] {
  const out: number[] = [];
  for (let n = 0; ; n += 1) {
    const f = gopStartFrame(plan, n);
    if (f >= totalFrames) return out;
    out.push(f);
  }
}

const unchunked = (reasonCode: Exclude<ChunkReasonCode, 'long-master'>, reason: string): ChunkDecision => ({ chunked: false, reasonCode, reason });

/**
 * The decision: chunked only when the master is longer than the threshold, has a constant
 * frame rate the output keeps (so output frame n is source frame n), and an index whose
 * frame count is exact and whose keyframes are never further apart than a chunk (a seek
 * decodes from the keyframe before the chunk's start: a longer GOP makes every chunk decode
 * what the one before it decoded). Otherwise one process, and the reason is audited.
 */
export function planChunks(plan: LadderPlan, video: VideoInfo | null, index: SourceIndex | null, policy: ChunkingPolicy): ChunkDecision {
  if (!policy.enabled) return unchunked('disabled', 'chunking is off (config chunking.enabled)');
  if (!video || plan.rungs.length === 0) return unchunked('audio-only', 'no video rung to chunk');
  const duration = plan.durationSeconds;
  if (duration === null) return unchunked('duration-unknown', 'the master has no duration');
  if (duration <= policy.thresholdSeconds)
    return unchunked('short-master', `${round(duration)} s is not over the chunking threshold of ${policy.thresholdSeconds} s`);
  if (plan.fromVariableFrameRate || video.variableFrameRate)
    return unchunked('variable-frame-rate', 'variable frame rate: output frames do not map one to one onto source frames');
  if (!video.frameRate || !sameRational(video.frameRate, plan.frameRate))
    return unchunked('frame-rate-conversion', 'the output frame rate differs from the master: encoded in one piece');
  if (!index) return unchunked('no-index', 'the master has no usable packet index (timestamps missing)');
  const gopsPerChunk = Math.max(1, Math.round(policy.chunkSeconds / plan.gopSeconds));
  const chunkSeconds = gopsPerChunk * plan.gopSeconds;
  const gap = largestKeyframeGap(index);
  if (gap > chunkSeconds)
    return unchunked('long-gop', `the master's keyframes are up to ${round(gap)} s apart, longer than a chunk (${chunkSeconds} s): encoded in one piece`);
  const totalFrames = index.frames;
  const gops = plannedKeyframes(plan, totalFrames).length;
  const starts: number[] = [];
  for (let g = 0; g < gops; g += gopsPerChunk) starts.push(g);
  // A last chunk of under half a chunk joins the one before it.
  if (starts.length > 1 && gops - (starts.at(-1) as number) < gopsPerChunk / 2) starts.pop();
  if (starts.length < 2) return unchunked('one-chunk', `${round(duration)} s makes one chunk of ${chunkSeconds} s`);
  const chunks = starts.map((firstGop, i): ChunkRange => {
    const startFrame = gopStartFrame(plan, firstGop);
    const next = starts[i + 1];
    const endFrame = next === undefined ? totalFrames : gopStartFrame(plan, next);
    return {
      index: i,
      startFrame,
      frames: endFrame - startFrame,
      startSeconds: frameSeconds(plan, startFrame),
      endSeconds: frameSeconds(plan, endFrame),
      firstGop,
    };
  });
  return {
    chunked: true,
    reasonCode: 'long-master',
    reason: `${round(duration)} s is over the chunking threshold of ${policy.thresholdSeconds} s: ${chunks.length} chunks of about ${chunkSeconds} s`,
    chunkSeconds,
    totalFrames,
    gops,
    chunks,
  };
}

/** The longest run without a keyframe, the end of the programme included. */
function largestKeyframeGap(index: SourceIndex): number {
  const keys = index.keyframeSeconds;
  if (keys.length === 0) return Infinity;
  let gap = keys[0] as number;
  for (let i = 1; i < keys.length; i += 1) gap = Math.max(gap, (keys[i] as number) - (keys[i - 1] as number));
  return Math.max(gap, index.lastSeconds - (keys.at(-1) as number));
}

const round = (s: number): number => Math.round(s * 10) / 10;

/** The fraction of a chunked encode done, weighing each chunk by its frames. */
export function chunkedFraction(chunks: readonly Pick<ChunkRange, 'frames'>[], fractions: readonly number[]): number {
  const total = chunks.reduce((a, c) => a + c.frames, 0);
  if (total === 0) return 0;
  return chunks.reduce((a, c, i) => a + c.frames * Math.min(1, Math.max(0, fractions[i] ?? 0)), 0) / total;
}

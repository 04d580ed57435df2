import { ApplianceError } from '../errors/appliance-error.js';
import type { ChunkRange } from '../media/chunk-plan.js';
import type { LadderPlan } from '../media/ladder-plan.js';
import type { RenditionQuality } from '../media/quality-gate.js';
import type { StitchReport } from '../media/stitch-check.js';
import type { Task } from '../store/jobs.js';
import type { SubmitCaption } from './job-runtime.js';

/**
 * The typed payloads of tasks: what each kind of task holds in its `input` and `output`
 * columns (JSON in the store). They are written through the `…Input`/`…Output` types and
 * read back only through the readers below, which check the shape they rely on: a row
 * that does not hold it is an INTERNAL error naming the task, never a silent `undefined`.
 */

/** One encoded rendition in the intermediate bucket, as an encode task's output records it. */
export interface StoredRendition {
  name: string;
  kind: 'video' | 'audio';
  rungIndex: number | null;
  key: string;
  sha256: string;
  size: number;
}

/** One packaged file in the intermediate bucket, published as `<jobId>/<path>`. */
export interface PackagedFile {
  path: string;
  key: string;
  sha256: string;
  size: number;
}

export interface ProbeInput {
  key: string;
  /** Caption files given with the job (older jobs: absent). */
  captions?: SubmitCaption[];
}
export interface ProbeOutput {
  durationSeconds: number | null;
  video: { width: number; height: number; codec: string } | null;
}
/** A chunked job's encode tasks (chunk-plan.ts): one chunk of every rung's video, or the whole programme's audio. */
export type EncodePart = { kind: 'chunk'; chunk: ChunkRange; chunks: number } | { kind: 'audio' };

export interface EncodeInput {
  plan: LadderPlan;
  /** Absent: the whole ladder (or `task.rendition` alone on a retry). */
  part?: EncodePart;
  /** The chunking decision the job was planned with (older jobs: absent). */
  chunking?: ChunkingSummary;
}

/** What the job detail shows of the chunking decision (chunk-plan.ts). */
export interface ChunkingSummary {
  chunked: boolean;
  reasonCode: string;
  reason: string;
  chunkSeconds: number | null;
}
export interface EncodeOutput {
  renditions: StoredRendition[];
}
/** One chunk's committed outputs: a video rendition per rung, each `frames` long. */
export interface CommittedChunk {
  chunk: ChunkRange;
  renditions: StoredRendition[];
}

export interface StitchInput {
  plan: LadderPlan;
  /** Every chunk, in order; the planned frames of the whole programme. */
  chunks: CommittedChunk[];
  totalFrames: number;
  /** The audio renditions (encoded whole): handed on to packaging as they are. */
  audio: StoredRendition[];
  /** Renditions left out under the `emit` policy (audio that failed for good). */
  missing: string[];
}
/** What a stitch proved per rung (stitch-check.ts), for the audit and the job detail. */
export interface StitchOutput {
  renditions: StoredRendition[];
  reports: Record<string, StitchReport>;
}

export interface PackageInput {
  plan: LadderPlan;
  renditions: StoredRendition[];
  /** Renditions left out under the `emit` policy. */
  missing: string[];
}
export interface PackageOutput {
  files: PackagedFile[];
  manifests: Record<string, string>;
  /** The quality gate's figures per video rendition (older jobs: absent). */
  quality?: RenditionQuality[];
  /** Rungs the gate left out (`quality.onBelow: partial`): the job ends partial. */
  leftOut?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function malformed(task: Task, column: 'input' | 'output', why: string): ApplianceError {
  return new ApplianceError('INTERNAL', `task ${task.id} (${task.kind}) has a malformed ${column}: ${why}`, { details: { taskId: task.id } });
}

function kindOf(task: Task, kind: Task['kind']): void {
  if (task.kind !== kind) throw new ApplianceError('INTERNAL', `task ${task.id} is a ${task.kind} task, not ${kind}`);
}

function planOf(task: Task, value: unknown): LadderPlan {
  if (!isObject(value) || !isObject(value['plan']) || !Array.isArray(value['plan']['rungs'])) throw malformed(task, 'input', 'no ladder plan');
  return value['plan'] as unknown as LadderPlan;
}

function renditionsOf(task: Task, value: unknown, column: 'input' | 'output'): StoredRendition[] {
  const list = isObject(value) ? value['renditions'] : undefined;
  if (
    !Array.isArray(list) ||
    !list.every((r) => isObject(r) && typeof r['name'] === 'string' && typeof r['key'] === 'string' && typeof r['sha256'] === 'string')
  ) {
    throw malformed(task, column, 'no renditions list');
  }
  return list as StoredRendition[];
}

function stringsOf(task: Task, value: unknown, field: string): string[] {
  const list = isObject(value) ? value[field] : undefined;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw malformed(task, 'input', `no ${field} list`);
  return list as string[];
}

export function probeInput(task: Task): ProbeInput {
  kindOf(task, 'probe');
  const v = task.input;
  if (!isObject(v) || typeof v['key'] !== 'string') throw malformed(task, 'input', 'no input key');
  const captions = v['captions'];
  if (captions !== undefined && (!Array.isArray(captions) || !captions.every((c) => isObject(c) && typeof c['key'] === 'string')))
    throw malformed(task, 'input', 'a malformed captions list');
  return v as unknown as ProbeInput;
}

export function encodeInput(task: Task): EncodeInput {
  kindOf(task, 'encode');
  const part = isObject(task.input) ? task.input['part'] : undefined;
  const chunking = isObject(task.input) && isObject(task.input['chunking']) ? { chunking: task.input['chunking'] as unknown as ChunkingSummary } : {};
  if (part === undefined) return { plan: planOf(task, task.input), ...chunking };
  if (!isObject(part) || (part['kind'] !== 'audio' && !(part['kind'] === 'chunk' && isObject(part['chunk']) && typeof part['chunks'] === 'number')))
    throw malformed(task, 'input', 'a malformed part');
  return { plan: planOf(task, task.input), part: part as unknown as EncodePart, ...chunking };
}

/** What an encode task's audit events say of its part: the chunk's index and range, or the audio; nothing for a whole-ladder task. */
export function partOfTask(task: Task): Record<string, unknown> {
  if (task.kind !== 'encode') return {};
  const { part } = encodeInput(task);
  if (!part) return {};
  if (part.kind === 'audio') return { part: 'audio' };
  const c = part.chunk;
  return {
    part: 'chunk',
    chunk: c.index,
    chunks: part.chunks,
    startSeconds: c.startSeconds,
    endSeconds: c.endSeconds,
    startFrame: c.startFrame,
    frames: c.frames,
  };
}

export function stitchInput(task: Task): StitchInput {
  kindOf(task, 'stitch');
  const v = task.input;
  if (!isObject(v) || !Array.isArray(v['chunks']) || typeof v['totalFrames'] !== 'number') throw malformed(task, 'input', 'no chunks');
  renditionsOf(task, { renditions: v['audio'] }, 'input');
  return {
    plan: planOf(task, v),
    chunks: v['chunks'] as CommittedChunk[],
    totalFrames: v['totalFrames'],
    audio: v['audio'] as StoredRendition[],
    missing: stringsOf(task, v, 'missing'),
  };
}

export function stitchOutput(task: Task): StitchOutput {
  kindOf(task, 'stitch');
  const out = task.output;
  if (!isObject(out) || !isObject(out['reports'])) throw malformed(task, 'output', 'no stitch reports');
  return { renditions: renditionsOf(task, out, 'output'), reports: out['reports'] as Record<string, StitchReport> };
}

/** The renditions a succeeded encode task stored (none for any other task). */
export function encodeOutput(task: Task): EncodeOutput {
  kindOf(task, 'encode');
  return { renditions: renditionsOf(task, task.output, 'output') };
}

export function packageInput(task: Task): PackageInput {
  kindOf(task, 'package');
  return { plan: planOf(task, task.input), renditions: renditionsOf(task, task.input, 'input'), missing: stringsOf(task, task.input, 'missing') };
}

export function packageOutput(task: Task): PackageOutput {
  kindOf(task, 'package');
  const out = task.output;
  if (!isObject(out) || !Array.isArray(out['files']) || !isObject(out['manifests'])) throw malformed(task, 'output', 'no files and manifests');
  const quality = Array.isArray(out['quality']) ? { quality: out['quality'] as RenditionQuality[] } : {};
  const leftOut = Array.isArray(out['leftOut']) ? { leftOut: out['leftOut'] as string[] } : {};
  return { files: out['files'] as PackagedFile[], manifests: out['manifests'] as Record<string, string>, ...quality, ...leftOut };
}

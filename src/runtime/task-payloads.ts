import { ApplianceError } from '../errors/appliance-error.js';
import type { LadderPlan } from '../media/ladder-plan.js';
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
export interface EncodeInput {
  plan: LadderPlan;
}
export interface EncodeOutput {
  renditions: StoredRendition[];
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
  return { plan: planOf(task, task.input) };
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
  return { files: out['files'] as PackagedFile[], manifests: out['manifests'] as Record<string, string> };
}

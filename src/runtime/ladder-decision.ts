import { renditionNames } from '../media/ladder-plan.js';
import { terminalJobStates, type Job, type Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { failJob } from './attempt-failure.js';
import { newId } from './ids.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import type { LadderPlan } from '../media/ladder-plan.js';
import { encodeInput, encodeOutput, type CommittedChunk, type PackageInput, type StitchInput, type StoredRendition } from './task-payloads.js';

/** Renditions encoded so far: from the whole-ladder task, or from the per-rendition tasks. */
export function encodedRenditions(tasks: readonly Task[]): StoredRendition[] {
  const out: StoredRendition[] = [];
  for (const t of tasks) if (t.kind === 'encode' && t.state === 'succeeded') out.push(...encodeOutput(t).renditions);
  return out;
}

/** What a job's encode tasks call for once one of them ends. */
export type LadderOutcome =
  | { kind: 'wait' }
  | { kind: 'fail'; missing: string[] }
  | { kind: 'package'; input: PackageInput; /** some renditions are missing, packaged anyway (`emit`) */ partial: boolean }
  /** A chunked job: every chunk committed, the audio settled. */
  | { kind: 'stitch'; input: StitchInput; partial: boolean }
  /** A chunk ran out of attempts: no rung can be stitched. */
  | { kind: 'chunk-failed'; chunk: number; errorCode: string | null };

/** Pure: a chunked job's encode tasks (chunks + the audio task) → wait, stitch, or fail. */
function chunkedOutcome(tasks: readonly Task[], policy: Job['policy']): LadderOutcome {
  const parts = tasks.map((t) => ({ t, input: encodeInput(t) }));
  const chunks: CommittedChunk[] = [];
  let plan: LadderPlan | undefined;
  for (const { t, input } of parts) {
    plan = input.plan;
    if (input.part?.kind !== 'chunk') continue;
    if (t.state !== 'succeeded') return { kind: 'chunk-failed', chunk: input.part.chunk.index, errorCode: t.errorCode };
    chunks.push({ chunk: input.part.chunk, renditions: encodeOutput(t).renditions });
  }
  if (!plan) return { kind: 'wait' };
  chunks.sort((a, b) => a.chunk.index - b.chunk.index);
  const audioTask = parts.find((p) => p.input.part?.kind === 'audio')?.t;
  const audio = audioTask?.state === 'succeeded' ? encodeOutput(audioTask).renditions : [];
  const missing = plan.audio.map((a) => a.name).filter((name) => !audio.some((r) => r.name === name));
  if (missing.length > 0 && policy.partialLadder !== 'emit') return { kind: 'fail', missing };
  const totalFrames = chunks.reduce((n, c) => n + c.chunk.frames, 0);
  return { kind: 'stitch', input: { plan, chunks, totalFrames, audio, missing }, partial: missing.length > 0 };
}

/**
 * Pure: when every rendition is settled, either package (all there, or the `emit` policy
 * with at least one video rung) or fail (`wait`: a rung ran out of attempts); until then,
 * wait. `encodeTasks` are the job's encode tasks, the whole-ladder one among them.
 */
export function ladderOutcome(encodeTasks: readonly Task[], policy: Job['policy']): LadderOutcome {
  const tasks = encodeTasks.filter((t) => t.kind === 'encode');
  if (tasks.some((t) => t.state === 'pending' || t.state === 'running')) return { kind: 'wait' };
  if (tasks.some((t) => encodeInput(t).part)) return chunkedOutcome(tasks, policy);
  const ladder = tasks.find((t) => t.rendition === null);
  if (!ladder) return { kind: 'wait' };
  const { plan } = encodeInput(ladder);
  const wanted = renditionNames(plan);
  const done = encodedRenditions(tasks);
  const missing = wanted.filter((name) => !done.some((d) => d.name === name));
  if (missing.length > 0 && (policy.partialLadder !== 'emit' || !done.some((d) => d.kind === 'video'))) return { kind: 'fail', missing };
  return { kind: 'package', input: { plan, renditions: done, missing }, partial: missing.length > 0 };
}

/**
 * After an encode task ends: applies `ladderOutcome` — the job fails naming the missing
 * renditions, or its package task is created (a partial ladder flagged in the audit trail).
 */
export async function decideLadder(ctx: RuntimeContext, tx: StoreTx, job: Job): Promise<void> {
  const current = await tx.jobs.get(job.id);
  if (!current || terminalJobStates.includes(current.state)) return; // e.g. failed CRASH_LOOP, or cancelled
  const outcome = ladderOutcome(await tx.tasks.listByJob(job.id), job.policy);
  if (outcome.kind === 'wait') return;
  if (outcome.kind === 'fail') {
    await failJob(tx, job, 'RENDITION_FAILED', `renditions ${outcome.missing.join(', ')} failed after every attempt (policy ${job.policy.partialLadder})`, {
      missingRenditions: outcome.missing,
    });
    return;
  }
  if (outcome.kind === 'chunk-failed') {
    await failJob(tx, job, 'CHUNK_FAILED', `chunk ${outcome.chunk} failed after every attempt (${outcome.errorCode ?? 'unknown'}): no rung can be stitched`, {
      chunk: outcome.chunk,
      chunkErrorCode: outcome.errorCode,
    });
    return;
  }
  if (outcome.partial) {
    await tx.audit({
      type: 'job.partial_ladder',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: { missingRenditions: outcome.input.missing, policy: 'emit', flaggedForReview: true },
    });
  }
  if (outcome.kind === 'stitch') {
    const stitchId = newId('task');
    await tx.tasks.insert({
      id: stitchId,
      jobId: job.id,
      kind: 'stitch',
      rendition: null,
      maxAttempts: ctx.config.pools.package.maxAttempts,
      input: outcome.input,
    });
    await tx.jobs.update(job.id, { state: 'packaging' });
    await tx.audit({
      type: 'job.state',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: {
        state: 'packaging',
        stitchTask: stitchId,
        chunks: outcome.input.chunks.map((c) => ({
          chunk: c.chunk.index,
          renditions: refsOf(c.renditions),
        })),
        audio: refsOf(outcome.input.audio),
        missingRenditions: outcome.input.missing,
      },
    });
    return;
  }
  await createPackageTask(ctx, tx, job, outcome.input);
}

/** What the audit trail names of stored renditions: name, key, sha256. */
const refsOf = (list: readonly StoredRendition[]) => list.map(({ name, key, sha256 }) => ({ name, key, sha256 }));

/** The job's package task over these renditions; the job moves to `packaging` (audited with each rendition's sha256). */
export async function createPackageTask(ctx: RuntimeContext, tx: StoreTx, job: Job, input: PackageInput): Promise<void> {
  const packageId = newId('task');
  await tx.tasks.insert({ id: packageId, jobId: job.id, kind: 'package', rendition: null, maxAttempts: ctx.config.pools.package.maxAttempts, input });
  await tx.jobs.update(job.id, { state: 'packaging' });
  await tx.audit({
    type: 'job.state',
    actor: ACTOR_RUNTIME,
    jobId: job.id,
    payload: {
      state: 'packaging',
      packageTask: packageId,
      renditions: refsOf(input.renditions),
      missingRenditions: input.missing,
    },
  });
}

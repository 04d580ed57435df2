import { renditionNames } from '../media/ladder-plan.js';
import { terminalJobStates, type Job, type Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { failJob } from './attempt-failure.js';
import { newId } from './ids.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { encodeInput, encodeOutput, type PackageInput, type StoredRendition } from './task-payloads.js';

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
  | { kind: 'package'; input: PackageInput; /** some renditions are missing, packaged anyway (`emit`) */ partial: boolean };

/**
 * Pure: when every rendition is settled, either package (all there, or the `emit` policy
 * with at least one video rung) or fail (`wait`: a rung ran out of attempts); until then,
 * wait. `encodeTasks` are the job's encode tasks, the whole-ladder one among them.
 */
export function ladderOutcome(encodeTasks: readonly Task[], policy: Job['policy']): LadderOutcome {
  const tasks = encodeTasks.filter((t) => t.kind === 'encode');
  if (tasks.some((t) => t.state === 'pending' || t.state === 'running')) return { kind: 'wait' };
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
  const { input } = outcome;
  if (outcome.partial) {
    await tx.audit({
      type: 'job.partial_ladder',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: { missingRenditions: input.missing, policy: 'emit', flaggedForReview: true },
    });
  }
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
      renditions: input.renditions.map((d) => ({ name: d.name, key: d.key, sha256: d.sha256 })),
      missingRenditions: input.missing,
    },
  });
}

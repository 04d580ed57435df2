import type { LadderPlan } from '../media/ladder-plan.js';
import { terminalJobStates, type Job, type Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { failJob } from './attempt-failure.js';
import type { StoredRendition } from './encode-task.js';
import { newId } from './ids.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';

/** Renditions encoded so far: from the whole-ladder task, or from the per-rendition tasks. */
export function encodedRenditions(tasks: readonly Task[]): StoredRendition[] {
  const out: StoredRendition[] = [];
  for (const t of tasks) if (t.kind === 'encode' && t.state === 'succeeded') out.push(...((t.output as { renditions: StoredRendition[] }).renditions ?? []));
  return out;
}

/**
 * After an encode task ends: when every rendition is settled, either package (all there, or
 * the `emit` policy with at least one video rung) or fail the job (`wait`: a rung ran out of
 * attempts). The missing rungs are named in the job and the audit trail.
 */
export async function decideLadder(ctx: RuntimeContext, tx: StoreTx, job: Job): Promise<void> {
  const current = await tx.jobs.get(job.id);
  if (!current || terminalJobStates.includes(current.state)) return; // e.g. failed CRASH_LOOP, or cancelled
  const tasks = (await tx.tasks.listByJob(job.id)).filter((t) => t.kind === 'encode');
  if (tasks.some((t) => t.state === 'pending' || t.state === 'running')) return;
  const ladder = tasks.find((t) => t.rendition === null);
  if (!ladder) return;
  const { plan } = ladder.input as { plan: LadderPlan };
  const wanted = [...plan.rungs.map((r) => r.name), ...(plan.audio ? ['audio'] : [])];
  const done = encodedRenditions(tasks);
  const missing = wanted.filter((name) => !done.some((d) => d.name === name));
  if (missing.length > 0) {
    const videos = done.filter((d) => d.kind === 'video');
    if (job.policy.partialLadder !== 'emit' || videos.length === 0) {
      await failJob(tx, job, 'RENDITION_FAILED', `renditions ${missing.join(', ')} failed after every attempt (policy ${job.policy.partialLadder})`, {
        missingRenditions: missing,
      });
      return;
    }
    await tx.audit({
      type: 'job.partial_ladder',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: { missingRenditions: missing, policy: 'emit', flaggedForReview: true },
    });
  }
  const packageId = newId('task');
  await tx.tasks.insert({
    id: packageId,
    jobId: job.id,
    kind: 'package',
    rendition: null,
    maxAttempts: ctx.config.pools.package.maxAttempts,
    input: { plan, renditions: done, missing },
  });
  await tx.jobs.update(job.id, { state: 'packaging' });
  await tx.audit({
    type: 'job.state',
    actor: ACTOR_RUNTIME,
    jobId: job.id,
    payload: {
      state: 'packaging',
      packageTask: packageId,
      renditions: done.map((d) => ({ name: d.name, key: d.key, sha256: d.sha256 })),
      missingRenditions: missing,
    },
  });
}

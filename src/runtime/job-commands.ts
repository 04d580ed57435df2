import { POOL_OF } from './task-pools.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { terminalJobStates } from '../store/jobs.js';
import { cleanupJob } from './package-task.js';
import { retrySelection } from './retry-policy.js';
import type { RuntimeContext } from './runtime-context.js';

export function jobNotFound(jobId: string): ApplianceError {
  return new ApplianceError('JOB_NOT_FOUND', `no job ${jobId}`);
}

/** Waits (up to 5 s) until `done()` holds: killed attempts record their end before cleanup. */
export async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Cancels a job that has not finished: its tasks, then its running processes, then its intermediates. */
export async function cancelJob(ctx: RuntimeContext, jobId: string, actor: string): Promise<void> {
  const job = await ctx.store.jobs.get(jobId);
  if (!job) throw jobNotFound(jobId);
  if (terminalJobStates.includes(job.state)) throw new ApplianceError('JOB_FINISHED', `job ${jobId} is already ${job.state}`);
  let killed: string[] = [];
  await ctx.commit(jobId, async (tx) => {
    const current = await tx.jobs.get(jobId);
    if (!current || terminalJobStates.includes(current.state)) throw new ApplianceError('JOB_FINISHED', `job ${jobId} is already ${current?.state ?? 'gone'}`);
    const cancelled = await tx.tasks.cancelForJob(jobId);
    killed = cancelled.filter((t) => ctx.running.has(t.id)).map((t) => t.id);
    await tx.jobs.update(jobId, { state: 'cancelled', errorCode: 'CANCELLED', errorMessage: `cancelled by ${actor}` });
    await tx.audit({
      type: 'job.cancelled',
      actor,
      jobId,
      payload: {
        tasks: cancelled.map((t) => ({ id: t.id, kind: t.kind, rendition: t.rendition, wasRunning: t.leaseOwner !== null || ctx.running.has(t.id) })),
      },
    });
  });
  for (const id of killed) ctx.running.get(id)?.abort.abort();
  await settled(() => !killed.some((id) => ctx.running.has(id)));
  await ctx.store.change(async (tx) => void (await tx.audit({ type: 'job.processes_killed', actor, jobId, payload: { tasks: killed } })));
  await cleanupJob(ctx, jobId);
}

/** Runs a failed job's failed tasks again (`retrySelection`), each with a fresh attempt budget. */
export async function retryJob(ctx: RuntimeContext, jobId: string, actor: string): Promise<void> {
  const job = await ctx.store.jobs.get(jobId);
  if (!job) throw jobNotFound(jobId);
  if (job.state !== 'failed') throw new ApplianceError('JOB_NOT_RETRYABLE', `job ${jobId} is ${job.state}; only a failed job can be retried`);
  await ctx.commit(jobId, async (tx) => {
    const { again, entry } = retrySelection(await tx.tasks.listByJob(jobId));
    if (again.length === 0) throw new ApplianceError('JOB_NOT_RETRYABLE', `job ${jobId} has no task to retry (${job.errorCode ?? 'failed'})`);
    for (const t of again) await tx.tasks.reset(t.id, ctx.config.pools[POOL_OF[t.kind]].maxAttempts);
    await tx.jobs.update(jobId, { state: entry, errorCode: null, errorMessage: null });
    await tx.audit({ type: 'job.retried', actor, jobId, payload: { tasks: again.map((t) => ({ id: t.id, kind: t.kind, rendition: t.rendition })) } });
  });
  ctx.kick();
}

/** Where a finished job's output file is: `<jobId>/<path>` in the output bucket. */
export async function outputKeyOf(ctx: RuntimeContext, jobId: string, path: string): Promise<string> {
  const job = await ctx.store.jobs.get(jobId);
  if (!job) throw jobNotFound(jobId);
  if (job.state !== 'completed' && job.state !== 'partial')
    throw new ApplianceError('JOB_NOT_FINISHED', `job ${jobId} is ${job.state}; outputs exist once it completes`);
  return `${jobId}/${path}`;
}

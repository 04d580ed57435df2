import { terminalJobStates, type Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { failJob } from './attempt-failure.js';
import { decideLadder } from './ladder-decision.js';
import { interruptLapsedLeases } from './lapsed-leases.js';
import { killOrphanEncoders } from './orphans.js';
import { publishOutputs } from './package-task.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';

/** Audits each re-queued task; one that ran out of attempts settles its job. */
export async function afterRequeue(ctx: RuntimeContext, tx: StoreTx, requeued: readonly Task[]): Promise<void> {
  for (const t of requeued) {
    await tx.audit({
      type: 'task.lease_expired',
      actor: ACTOR_RUNTIME,
      jobId: t.jobId,
      payload: { taskId: t.id, kind: t.kind, rendition: t.rendition, attempt: t.attempt, state: t.state },
    });
    if (t.state !== 'dead') continue;
    const job = await tx.jobs.get(t.jobId);
    if (job && t.kind === 'encode') await decideLadder(ctx, tx, job);
    else if (job && !terminalJobStates.includes(job.state)) await failJob(tx, job, 'LEASE_EXPIRED', `task ${t.id} lost its lease on every attempt`);
  }
}

/** Re-queues every lease that lapsed by now: an attempt whose owner is gone as an interruption, the rest as counted attempts. */
export async function requeueExpired(ctx: RuntimeContext, host: string): Promise<void> {
  const now = ctx.now();
  await ctx.store.change(async (tx) => {
    await interruptLapsedLeases(ctx, tx, host, now);
    await afterRequeue(ctx, tx, await tx.tasks.requeueExpired(now));
  });
}

/** What recovery did, for the start-up log. */
export interface RecoveryReport {
  orphanEncodersKilled: number;
  /** Attempts whose owner was gone: re-queued as interruptions. */
  interrupted: number;
  /** Lapsed leases re-queued as counted attempts (owner alive but silent). */
  requeued: number;
  published: number;
}

/**
 * Crash recovery at start: encoders orphaned by an earlier process are killed; a lease held by
 * an earlier process of this node is an orphan and is re-queued now (`runtime.recovered`);
 * jobs that were publishing are published again (idempotent).
 */
export async function recoverAtStart(ctx: RuntimeContext, host: string): Promise<RecoveryReport> {
  const orphans = killOrphanEncoders(ctx.imagesDir);
  const counts = await ctx.store.change(async (tx) => {
    // This node's earlier processes: its id is held by one live process at a time (the node registry).
    const mine = `${ctx.node.id}/`;
    const interrupted = await interruptLapsedLeases(ctx, tx, host, Number.MAX_SAFE_INTEGER, mine);
    const stale = await tx.tasks.requeueExpired(Number.MAX_SAFE_INTEGER, mine);
    if (stale.length === 0 && interrupted.length === 0 && orphans.length === 0) return { interrupted: 0, requeued: 0 };
    await afterRequeue(ctx, tx, stale);
    await tx.audit({
      type: 'runtime.recovered',
      actor: ACTOR_RUNTIME,
      payload: {
        owner: ctx.owner,
        orphanEncodersKilled: orphans,
        requeued: [
          ...interrupted.map((t) => ({ id: t.id, jobId: t.jobId, state: t.state, interrupted: true })),
          ...stale.map((t) => ({ id: t.id, jobId: t.jobId, state: t.state, interrupted: false })),
        ],
      },
    });
    return { interrupted: interrupted.length, requeued: stale.length };
  });
  const packaging = await ctx.store.jobs.list({ state: 'packaging', limit: 500 });
  let published = 0;
  for (const j of packaging.items) {
    await publishOutputs(ctx, j.id);
    if ((await ctx.store.jobs.get(j.id))?.state !== 'packaging') published++;
  }
  return { orphanEncodersKilled: orphans.length, ...counts, published };
}

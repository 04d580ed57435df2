import type { Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { endInterruptedAttempt, leaseOwnerGone } from './interruptions.js';
import type { RuntimeContext } from './runtime-context.js';

/**
 * Running tasks whose lease lapsed before `now` and whose owner process is gone (it crashed or
 * was killed with the lease) end as interruptions (`task.interrupted`, cause `crash`): re-queued
 * without spending an attempt. Returns them; the caller re-queues the rest (owner alive but
 * silent, or on another host) as counted `LEASE_EXPIRED` attempts.
 */
export async function interruptLapsedLeases(ctx: RuntimeContext, tx: StoreTx, host: string, now: number, ownerPrefix?: string): Promise<Task[]> {
  const out: Task[] = [];
  for (const t of await tx.tasks.listExpired(now, ownerPrefix)) {
    if (!leaseOwnerGone(t.leaseOwner, host, Date.parse(t.updatedAt))) continue;
    const job = await tx.jobs.get(t.jobId);
    if (!job) continue;
    const state = await endInterruptedAttempt(ctx, tx, job, t, {
      cause: 'crash',
      detail: `the lease of ${t.leaseOwner ?? 'unknown'} lapsed and that process is gone`,
    });
    out.push({ ...t, state, leaseOwner: null, leaseExpiresAt: null, interruptions: t.interruptions + 1 });
  }
  return out;
}

import type { Task } from '../store/jobs.js';
import { nodeLive } from '../store/nodes.js';
import type { StoreTx } from '../store/store.js';
import { endInterruptedAttempt, leaseOwnerGone } from './interruptions.js';
import type { RuntimeContext } from './runtime-context.js';

/**
 * Whether the node that owned a lease (`node/host:pid:nonce`) lost that process: the node's row
 * names another process now (it restarted), or its heartbeat stopped (the host died). Owners
 * from before nodes registered (no `node/`), or of a node with no row, are left to the process check.
 */
async function ownerNodeGone(tx: StoreTx, owner: string | null, now: number): Promise<boolean> {
  const slash = owner?.indexOf('/') ?? -1;
  if (!owner || slash <= 0) return false;
  const node = await tx.nodes.get(owner.slice(0, slash));
  // No row: a runtime that never joined (tests, tools); nothing to judge by.
  return node !== undefined && (node.process !== owner || !nodeLive(node, now));
}

/**
 * Running tasks whose lease lapsed before `now` and whose owner process is gone (it crashed or
 * was killed with the lease, here or on another node) end as interruptions (`task.interrupted`,
 * cause `crash`): re-queued without spending an attempt. Returns them; the caller re-queues the
 * rest (owner alive but silent) as counted `LEASE_EXPIRED` attempts.
 */
export async function interruptLapsedLeases(ctx: RuntimeContext, tx: StoreTx, host: string, now: number, ownerPrefix?: string): Promise<Task[]> {
  const out: Task[] = [];
  for (const t of await tx.tasks.listExpired(now, ownerPrefix)) {
    const gone = leaseOwnerGone(t.leaseOwner, host, Date.parse(t.updatedAt)) || (await ownerNodeGone(tx, t.leaseOwner, ctx.now()));
    if (!gone) continue;
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

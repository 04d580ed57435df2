import { readFileSync } from 'node:fs';
import type { Job, Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { failJob } from './fail-job.js';
import { ACTOR_RUNTIME, type RunningAttempt, type RuntimeContext } from './runtime-context.js';

/**
 * Attempts the appliance itself cut short — its process died with the lease (crash, kill -9,
 * power loss: the lease lapsed and its owner is gone) or its own shutdown killed the attempt —
 * are interruptions, not failures: they are re-queued without spending the task's
 * `maxAttempts` (that budget is for ffmpeg and the input). A separate, larger cap
 * (`policies.maxInterruptions`, default 10) with back-off ends a true crash loop: the task
 * goes dead and the job fails `CRASH_LOOP`.
 */
export type Interruption = NonNullable<RunningAttempt['interruptedBy']>;

/** Back-off before the next attempt after the `n`-th interruption: the first at once, then base × 2^(n−2), capped at 5 minutes. */
export function interruptionDelayMs(baseMs: number, n: number): number {
  if (n <= 1) return 0;
  return Math.min(baseMs * 2 ** (n - 2), 5 * 60 * 1000);
}

/** The interruption of an attempt this process is running, if its shutdown cut it short. */
export function interruptionOf(ctx: RuntimeContext, task: Task): Interruption | undefined {
  const running = ctx.running.get(task.id);
  return running?.task.fencingToken === task.fencingToken ? running.interruptedBy : undefined;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the appliance supports

function bootTimeMs(): number | undefined {
  const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return m ? Number(m[1]) * 1000 : undefined;
}

/**
 * Whether a lease owner (`node/host:pid:nonce`) of this host is gone: no such process, a zombie,
 * or a process started after the lease was taken (the pid was reused). An owner on another
 * host, or this very process, is not judged here (the node registry tells: lapsed-leases.ts).
 */
export function leaseOwnerGone(owner: string | null, host: string, leasedAtMs: number): boolean {
  if (!owner) return false;
  const [ownerHost, pidText] = owner.slice(owner.indexOf('/') + 1).split(':');
  if (ownerHost !== host || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  // Fields after the command name "(…)": state is the 1st, starttime the 20th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return true;
  const boot = bootTimeMs();
  const startTicks = Number(fields[19]);
  if (boot === undefined || !Number.isFinite(startTicks)) return false;
  const startedAt = boot + (startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
  return startedAt > leasedAtMs + 2000;
}

/**
 * Ends an interrupted attempt: back to pending (after the interruption back-off), not counted
 * against `maxAttempts`; at the `maxInterruptions`-th interruption the task goes dead and the
 * job fails `CRASH_LOOP`. Audited `task.interrupted` (with its cause), then `task.dead` and
 * `job.failed` for a crash loop. Returns the task's new state.
 */
export async function endInterruptedAttempt(
  ctx: RuntimeContext,
  tx: StoreTx,
  job: Job,
  task: Task,
  interruption: Interruption,
  record?: Record<string, unknown>,
): Promise<'pending' | 'dead'> {
  const n = task.interruptions + 1;
  const cap = ctx.config.policies.maxInterruptions;
  const loop = n >= cap;
  const runAfter = ctx.now() + interruptionDelayMs(ctx.config.policies.interruptionBackoffSeconds * 1000, n);
  const what = `${task.kind}${task.rendition ? ` ${task.rendition}` : ''} task ${task.id}`;
  const message = loop
    ? `crash loop: ${what} was interrupted ${n} times (appliance crashed or stopped during it; last: ${interruption.detail}); ` +
      'it is not retried again — look at the appliance log and the host (memory, disk, kills by the OOM killer or a supervisor) before retrying the job'
    : `interrupted (${interruption.cause}): ${interruption.detail}`;
  await tx.tasks.interrupt(task.id, task.fencingToken, {
    state: loop ? 'dead' : 'pending',
    errorCode: loop ? 'CRASH_LOOP' : 'INTERRUPTED',
    errorMessage: message,
    ...(loop ? {} : { runAfter }),
  });
  const base = { taskId: task.id, kind: task.kind, rendition: task.rendition, attempt: task.attempt };
  await tx.audit({
    type: 'task.interrupted',
    actor: ACTOR_RUNTIME,
    jobId: job.id,
    payload: {
      ...base,
      cause: interruption.cause,
      detail: interruption.detail,
      interruptions: n,
      maxInterruptions: cap,
      countsAgainstAttempts: false,
      ...(loop ? {} : { runAfter: new Date(runAfter).toISOString() }),
      ...(record ? { process: record } : {}),
    },
  });
  if (!loop) return 'pending';
  await tx.audit({
    type: 'task.dead',
    actor: ACTOR_RUNTIME,
    jobId: job.id,
    payload: { ...base, maxAttempts: task.maxAttempts, interruptions: n, errorCode: 'CRASH_LOOP', message },
  });
  await failJob(tx, job, 'CRASH_LOOP', message, { taskId: task.id, interruptions: n });
  return 'dead';
}

import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import type { PoolName } from '../config/schema.js';
import type { Job, Task, TaskKind } from '../store/jobs.js';
import { runStitchTask } from './stitch-task.js';
import { kindsOf, POOL_OF } from './task-pools.js';
import { partOfTask } from './task-payloads.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { runEncodeTask } from './encode-task.js';
import { settled } from './job-commands.js';
import { decideLadder } from './ladder-decision.js';
import { runPackageTask } from './package-task.js';
import { runProbeTask } from './probe-task.js';
import { requeueExpired } from './recovery.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';

const POOLS: readonly PoolName[] = ['probe', 'encode', 'package'];

export interface Scheduler {
  /** Starts leasing: a tick every `tickMs`, lease renewal every third of `leaseMs`. */
  start(): void;
  /** Runs one scheduling pass now (no-op while one runs, or when stopped). */
  tick(): Promise<void>;
  /** Stops leasing; running attempts are killed and recorded as interrupted (cause `shutdown`, `reason`): re-queued on the next start, not counted. */
  stop(reason: string): Promise<void>;
}

const now = (): string => new Date().toISOString();

/** The scheduler: leases tasks up to each pool's slots, runs each attempt, renews the leases it holds. */
export function createScheduler(ctx: RuntimeContext, host: string): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ticking = false;
  let tickFailing = false;
  /** Every attempt this process started, until its bookkeeping (events, cleanup) is over. */
  const attempts = new Set<Promise<void>>();
  let stopped = true;

  /** Records a failure that happened outside the stage process (the attempt's own code did not record it). */
  async function recordFailure(job: Job, task: Task, err: unknown): Promise<void> {
    const code = err instanceof ApplianceError ? err.code : 'INTERNAL';
    await ctx
      .commit(job.id, async (tx) => {
        const state = await endFailedAttempt(ctx, tx, job, task, { errorCode: code, message: messageOf(err), record: {} });
        if (state === 'dead' && task.kind !== 'encode') await failJob(tx, job, code, messageOf(err));
        if (state === 'dead' && task.kind === 'encode') await decideLadder(ctx, tx, job);
      })
      .catch((e: unknown) => ctx.logger.warn({ err: e, taskId: task.id }, 'could not record the failure (lease lost)'));
  }

  async function execute(job: Job, task: Task): Promise<void> {
    const abort = new AbortController();
    const attempt = { task, abort, fraction: 0 };
    ctx.running.set(task.id, attempt);
    const started = ctx.now();
    try {
      if (task.kind === 'probe') await runProbeTask(ctx, job, task, abort.signal);
      else if (task.kind === 'encode') await runEncodeTask(ctx, job, task, abort.signal, (f) => (attempt.fraction = f));
      else if (task.kind === 'stitch') await runStitchTask(ctx, job, task, abort.signal);
      else await runPackageTask(ctx, job, task, abort.signal);
    } catch (err) {
      if (err instanceof ApplianceError && err.code === 'STALE_LEASE') ctx.logger.warn({ taskId: task.id, jobId: job.id }, 'stale attempt discarded');
      else {
        ctx.logger.error({ err, taskId: task.id, jobId: job.id }, 'task attempt failed outside its process');
        await recordFailure(job, task, err);
      }
    } finally {
      ctx.running.delete(task.id);
      // The store may be unreachable now (an outage): the task's state of record is there; only this event is lost.
      const ended = await ctx.store.tasks.get(task.id).catch(() => undefined);
      const ids = { jobId: job.id, taskId: task.id, kind: task.kind };
      if (ended)
        ctx.bus.publish({
          type: 'task.state',
          at: now(),
          ...ids,
          rendition: task.rendition,
          state: ended.state,
          attempt: ended.attempt,
          errorCode: ended.errorCode,
        });
      ctx.bus.publish({
        type: 'task.finished',
        at: now(),
        ...ids,
        pool: POOL_OF[task.kind],
        seconds: (ctx.now() - started) / 1000,
        outcome: ended?.state ?? 'unknown',
      });
      ctx.kick();
    }
  }

  /** Leases the next task of one of `kinds`; `probing` says the lease moved its job from queued to probing. */
  async function lease(kinds: TaskKind[]): Promise<{ job: Job; task: Task; probing?: boolean } | undefined> {
    return ctx.store.change(async (tx) => {
      const images = ctx.node.images();
      const task = await tx.tasks.lease({ kinds, owner: ctx.owner, now: ctx.now(), leaseMs: ctx.leaseMs, ...(images ? { images } : {}) });
      if (!task) return undefined;
      const job = await tx.jobs.get(task.jobId);
      if (!job) throw new ApplianceError('INTERNAL', `task ${task.id} has no job`);
      await tx.audit({
        type: 'task.started',
        actor: ACTOR_RUNTIME,
        jobId: job.id,
        payload: {
          taskId: task.id,
          kind: task.kind,
          rendition: task.rendition,
          ...partOfTask(task),
          attempt: task.attempt,
          owner: ctx.owner,
          encoderImage: job.encoderImage,
        },
      });
      if (task.kind === 'probe' && job.state === 'queued') {
        await tx.jobs.update(job.id, { state: 'probing' });
        return { job: { ...job, state: 'probing' as const }, task, probing: true };
      }
      return { job, task };
    });
  }

  const running = (pool: PoolName) => [...ctx.running.values()].filter((a) => POOL_OF[a.task.kind] === pool).length;

  async function tick(): Promise<void> {
    if (ticking || stopped) return;
    ticking = true;
    try {
      // Reads first: an idle node opens no write transaction (on PostgreSQL each takes the chain lock).
      const at = ctx.now();
      if (await ctx.store.tasks.anyExpired(at)) await requeueExpired(ctx, host);
      if (ctx.node.draining()) return;
      const images = ctx.node.images();
      const free = POOLS.filter((p) => ctx.node.pools.includes(p) && running(p) < ctx.config.pools[p].slots);
      const kinds = free.flatMap(kindsOf);
      const leasable = kinds.length ? await ctx.store.tasks.leasableKinds({ kinds, now: at, ...(images ? { images } : {}) }) : [];
      for (const pool of free) {
        const wanted = kindsOf(pool).filter((k) => leasable.includes(k));
        if (wanted.length === 0) continue;
        const slots = ctx.config.pools[pool].slots;
        while (!stopped && running(pool) < slots) {
          const leased = await lease(wanted);
          if (!leased) break;
          const t = leased.task;
          ctx.bus.publish({
            type: 'task.state',
            at: now(),
            jobId: t.jobId,
            taskId: t.id,
            kind: t.kind,
            rendition: t.rendition,
            state: 'running',
            attempt: t.attempt,
          });
          if (leased.probing)
            ctx.bus.publish({ type: 'job.state', at: now(), jobId: t.jobId, state: 'probing', progress: leased.job.progress, errorCode: null });
          const attempt: Promise<void> = execute(leased.job, leased.task)
            .catch((err: unknown) => ctx.logger.error({ err, taskId: t.id }, 'task attempt ended with an error outside its record'))
            .finally(() => attempts.delete(attempt));
          attempts.add(attempt);
        }
      }
      if (tickFailing) ctx.logger.info('scheduler ticks again');
      tickFailing = false;
    } catch (err) {
      // Once per outage, not four times a second.
      if (!tickFailing) ctx.logger.error({ err }, 'scheduler tick failed; retried every tick');
      tickFailing = true;
    } finally {
      ticking = false;
    }
  }

  async function renewLeases(): Promise<void> {
    for (const a of ctx.running.values()) {
      const ok = await ctx.store.tasks.renewLease(a.task.id, a.task.fencingToken, ctx.now() + ctx.leaseMs);
      if (!ok) a.abort.abort(); // cancelled, or the lease moved on: kill the process
    }
  }

  return {
    start() {
      stopped = false;
      timer = setInterval(() => void tick(), ctx.tickMs);
      heartbeat = setInterval(
        () => void renewLeases().catch((err: unknown) => ctx.logger.error({ err }, 'lease renewal failed')),
        Math.max(200, Math.floor(ctx.leaseMs / 3)),
      );
      void tick();
    },
    tick,
    async stop(reason) {
      stopped = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      for (const a of ctx.running.values()) {
        a.interruptedBy = { cause: 'shutdown', detail: reason };
        a.abort.abort();
      }
      await settled(() => ctx.running.size === 0);
      // Their ends too (the store writes after the process ended), so the stop closes nothing under them.
      await Promise.race([Promise.allSettled([...attempts]), new Promise((r) => setTimeout(r, 30_000).unref())]);
    },
  };
}

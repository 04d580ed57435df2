import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { ladderPresets } from '../media/ladder-presets.js';
import { canonicalJson } from '../store/audit-chain.js';
import { terminalJobStates, type Job, type Task, type TaskKind } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { runEncodeTask } from './encode-task.js';
import { decideLadder } from './ladder-decision.js';
import { newId } from './ids.js';
import { jobDetail } from './job-detail.js';
import type { JobDetail, JobRuntime, SubmitContext, SubmitRequest } from './job-runtime.js';
import { interruptLapsedLeases } from './lapsed-leases.js';
import { killOrphanEncoders } from './orphans.js';
import { cleanupJob, publishOutputs, runPackageTask } from './package-task.js';
import { runProbeTask } from './probe-task.js';
import { ACTOR_RUNTIME, type RuntimeContext, type RuntimeDeps } from './runtime-context.js';

export interface Runtime extends JobRuntime {
  /**
   * Crash recovery (orphaned encoders killed, this host's stale leases re-queued — an attempt
   * whose owner is gone as an interruption —, unpublished outputs published). Leases nothing.
   * Idempotent: once per runtime.
   */
  recover(): Promise<RecoveryReport>;
  /** Recovery (if not done yet), then the scheduler: from here on tasks are leased. */
  start(): Promise<void>;
  /** Stops leasing; running attempts are killed and recorded as interrupted (cause `shutdown`, `reason`): re-queued on the next start, not counted. */
  stop(reason?: string): Promise<void>;
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

const KINDS: readonly TaskKind[] = ['probe', 'encode', 'package'];

/** Waits (up to 5 s) until `done()` holds: killed attempts record their end before cleanup. */
async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
}

function notFound(jobId: string): ApplianceError {
  return new ApplianceError('JOB_NOT_FOUND', `no job ${jobId}`, { status: 404 });
}

/** The durable DAG: probe → encode (ladder, or per-rendition retries) → package → publish. */
export function createJobRuntime(deps: RuntimeDeps): Runtime {
  const host = hostname();
  const ctx: RuntimeContext = {
    ...deps,
    leaseMs: deps.leaseMs ?? 30_000,
    tickMs: deps.tickMs ?? 250,
    retryBaseMs: deps.retryBaseMs ?? 2_000,
    now: deps.now ?? Date.now,
    owner: `${host}:${process.pid}:${randomBytes(3).toString('hex')}`,
    running: new Map(),
    commit: async (jobId, fn) => {
      const result = await deps.store.change(fn);
      const job = await deps.store.jobs.get(jobId);
      if (job) deps.bus.publish({ type: 'job.state', at: new Date().toISOString(), jobId, state: job.state, progress: job.progress, errorCode: job.errorCode });
      return result;
    },
    imageOf: async (job) => {
      const image = await deps.store.images.get(job.encoderImage);
      if (!image || image.removedAt) throw new ApplianceError('ENCODER_UNKNOWN', `encoder image ${job.encoderImage} is not registered`, { status: 409 });
      return { id: image.id, dir: image.path };
    },
    kick: () => void tick(),
  };
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ticking = false;
  let stopped = true;
  let recovered: Promise<RecoveryReport> | undefined;

  async function detail(jobId: string): Promise<JobDetail> {
    const job = await deps.store.jobs.get(jobId);
    if (!job) throw notFound(jobId);
    const live = new Map([...ctx.running.values()].map((a) => [a.task.id, a.fraction]));
    return jobDetail(job, await deps.store.tasks.listByJob(jobId), live);
  }

  async function execute(job: Job, task: Task): Promise<void> {
    const abort = new AbortController();
    const attempt = { task, abort, fraction: 0 };
    ctx.running.set(task.id, attempt);
    const started = ctx.now();
    try {
      if (task.kind === 'probe') await runProbeTask(ctx, job, task, abort.signal);
      else if (task.kind === 'encode') await runEncodeTask(ctx, job, task, abort.signal, (f) => (attempt.fraction = f));
      else await runPackageTask(ctx, job, task, abort.signal);
    } catch (err) {
      if (err instanceof ApplianceError && err.code === 'STALE_LEASE') {
        deps.logger.warn({ taskId: task.id, jobId: job.id }, 'stale attempt discarded');
      } else {
        deps.logger.error({ err, taskId: task.id, jobId: job.id }, 'task attempt failed outside its process');
        await ctx
          .commit(job.id, async (tx) => {
            const state = await endFailedAttempt(ctx, tx, job, task, {
              errorCode: err instanceof ApplianceError ? err.code : 'INTERNAL',
              message: messageOf(err),
              record: {},
            });
            if (state === 'dead' && task.kind !== 'encode') await failJob(tx, job, err instanceof ApplianceError ? err.code : 'INTERNAL', messageOf(err));
            if (state === 'dead' && task.kind === 'encode') await decideLadder(ctx, tx, job);
          })
          .catch((e: unknown) => deps.logger.warn({ err: e, taskId: task.id }, 'could not record the failure (lease lost)'));
      }
    } finally {
      ctx.running.delete(task.id);
      const ended = await deps.store.tasks.get(task.id);
      if (ended)
        deps.bus.publish({
          type: 'task.state',
          at: new Date().toISOString(),
          jobId: job.id,
          taskId: task.id,
          kind: task.kind,
          rendition: task.rendition,
          state: ended.state,
          attempt: ended.attempt,
          errorCode: ended.errorCode,
        });
      deps.bus.publish({
        type: 'task.finished',
        at: new Date().toISOString(),
        jobId: job.id,
        taskId: task.id,
        kind: task.kind,
        pool: task.kind,
        seconds: (ctx.now() - started) / 1000,
        outcome: ended?.state ?? 'unknown',
      });
      ctx.kick();
    }
  }

  /** Leases the next task of `kind`; `probing` says the lease moved its job from queued to probing. */
  async function lease(kind: TaskKind): Promise<{ job: Job; task: Task; probing?: boolean } | undefined> {
    return deps.store.change(async (tx) => {
      const task = await tx.tasks.lease({ kinds: [kind], owner: ctx.owner, now: ctx.now(), leaseMs: ctx.leaseMs });
      if (!task) return undefined;
      const job = await tx.jobs.get(task.jobId);
      if (!job) throw new ApplianceError('INTERNAL', `task ${task.id} has no job`);
      await tx.audit({
        type: 'task.started',
        actor: ACTOR_RUNTIME,
        jobId: job.id,
        payload: { taskId: task.id, kind, rendition: task.rendition, attempt: task.attempt, owner: ctx.owner, encoderImage: job.encoderImage },
      });
      if (kind === 'probe' && job.state === 'queued') {
        await tx.jobs.update(job.id, { state: 'probing' });
        return { job: { ...job, state: 'probing' as const }, task, probing: true };
      }
      return { job, task };
    });
  }

  /** Audits each re-queued task; one that ran out of attempts settles its job. */
  async function afterRequeue(tx: StoreTx, requeued: readonly Task[]): Promise<void> {
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

  async function requeueExpired(): Promise<void> {
    const now = ctx.now();
    await deps.store.change(async (tx: StoreTx) => {
      const interrupted = await interruptLapsedLeases(ctx, tx, host, now);
      await afterRequeue(tx, await tx.tasks.requeueExpired(now));
      return interrupted;
    });
  }

  async function tick(): Promise<void> {
    if (ticking || stopped) return;
    ticking = true;
    try {
      await requeueExpired();
      for (const kind of KINDS) {
        const slots = deps.config.pools[kind].slots;
        while (!stopped && [...ctx.running.values()].filter((a) => a.task.kind === kind).length < slots) {
          const leased = await lease(kind);
          if (!leased) break;
          const t = leased.task;
          deps.bus.publish({
            type: 'task.state',
            at: new Date().toISOString(),
            jobId: t.jobId,
            taskId: t.id,
            kind: t.kind,
            rendition: t.rendition,
            state: 'running',
            attempt: t.attempt,
          });
          if (leased.probing)
            deps.bus.publish({
              type: 'job.state',
              at: new Date().toISOString(),
              jobId: t.jobId,
              state: 'probing',
              progress: leased.job.progress,
              errorCode: null,
            });
          void execute(leased.job, leased.task);
        }
      }
    } catch (err) {
      deps.logger.error({ err }, 'scheduler tick failed');
    } finally {
      ticking = false;
    }
  }

  async function renewLeases(): Promise<void> {
    for (const a of ctx.running.values()) {
      const ok = await deps.store.tasks.renewLease(a.task.id, a.task.fencingToken, ctx.now() + ctx.leaseMs);
      if (!ok) a.abort.abort(); // cancelled, or the lease moved on: kill the process
    }
  }

  /** Crash recovery, once per runtime (see Runtime.recover). */
  function recover(): Promise<RecoveryReport> {
    recovered ??= (async (): Promise<RecoveryReport> => {
      const orphans = killOrphanEncoders(deps.imagesDir);
      // On one host (SQLite) a lease held by an earlier process of this host is an orphan: re-queue it now.
      const counts = await deps.store.change(async (tx) => {
        const interrupted = await interruptLapsedLeases(ctx, tx, host, Number.MAX_SAFE_INTEGER, `${host}:`);
        const stale = await tx.tasks.requeueExpired(Number.MAX_SAFE_INTEGER, `${host}:`);
        if (stale.length === 0 && interrupted.length === 0 && orphans.length === 0) return { interrupted: 0, requeued: 0 };
        await afterRequeue(tx, stale);
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
      const packaging = await deps.store.jobs.list({ state: 'packaging', limit: 500 });
      let published = 0;
      for (const j of packaging.items) {
        await publishOutputs(ctx, j.id);
        if ((await deps.store.jobs.get(j.id))?.state !== 'packaging') published++;
      }
      return { orphanEncodersKilled: orphans.length, ...counts, published };
    })();
    return recovered;
  }

  return {
    async submit(request: SubmitRequest, context: SubmitContext) {
      const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
      if (context.idempotencyKey) {
        const existing = await deps.store.jobs.byIdempotencyKey(context.idempotencyKey);
        if (existing) {
          if (existing.requestHash !== requestHash)
            throw new ApplianceError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body', { status: 409 });
          return { job: await detail(existing.id), created: false };
        }
      }
      if (!ladderPresets[request.ladder])
        throw new ApplianceError('LADDER_UNKNOWN', `unknown ladder ${request.ladder} (known: ${Object.keys(ladderPresets).join(', ')})`, { status: 400 });
      const input = await deps.objects.stat('input', request.input.key).catch((err: unknown) => {
        if (err instanceof ApplianceError && (err.code === 'STORAGE_NOT_FOUND' || err.code === 'STORAGE_INVALID_KEY')) {
          throw new ApplianceError('INPUT_NOT_FOUND', `no input ${request.input.key} in the input bucket`, { status: 422 });
        }
        throw err;
      });
      const image = request.encoder ? await deps.store.images.get(request.encoder) : await deps.store.images.default();
      if (request.encoder && (!image || image.removedAt))
        throw new ApplianceError('ENCODER_UNKNOWN', `unknown encoder image ${request.encoder}`, { status: 400 });
      if (!image) throw new ApplianceError('NO_ENCODER_IMAGE', 'no verified encoder image is registered; import one (mpegflow images import)', { status: 503 });
      if (image.state !== 'verified') throw new ApplianceError('ENCODER_UNVERIFIED', `encoder image ${image.id} is not verified`, { status: 409 });
      const jobId = newId('job');
      const policy = request.policy ?? { partialLadder: deps.config.policies.partialLadder };
      await ctx.commit(jobId, async (tx) => {
        await tx.jobs.insert({
          id: jobId,
          state: 'queued',
          inputKey: request.input.key,
          inputSha256: input.sha256 ?? null,
          inputSize: input.size,
          ladder: request.ladder,
          packaging: request.packaging,
          encoderImage: image.id,
          policy,
          idempotencyKey: context.idempotencyKey ?? null,
          requestHash,
          submittedBy: context.actor,
        });
        await tx.tasks.insert({
          id: newId('task'),
          jobId,
          kind: 'probe',
          rendition: null,
          maxAttempts: deps.config.pools.probe.maxAttempts,
          input: { key: request.input.key },
        });
        await tx.audit({
          type: 'job.submitted',
          actor: context.actor,
          jobId,
          payload: {
            input: { key: request.input.key, sha256: input.sha256 ?? null, size: input.size },
            ladder: request.ladder,
            packaging: request.packaging,
            encoder: { id: image.id, name: image.name, version: image.version },
            policy,
            idempotencyKey: context.idempotencyKey ?? null,
          },
        });
      });
      ctx.kick();
      return { job: await detail(jobId), created: true };
    },

    get: detail,

    async cancel(jobId: string, actor: string) {
      const job = await deps.store.jobs.get(jobId);
      if (!job) throw notFound(jobId);
      if (terminalJobStates.includes(job.state)) throw new ApplianceError('JOB_FINISHED', `job ${jobId} is already ${job.state}`, { status: 409 });
      let killed: string[] = [];
      await ctx.commit(jobId, async (tx) => {
        const current = await tx.jobs.get(jobId);
        if (!current || terminalJobStates.includes(current.state))
          throw new ApplianceError('JOB_FINISHED', `job ${jobId} is already ${current?.state ?? 'gone'}`, { status: 409 });
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
      return detail(jobId);
    },

    async retry(jobId: string, actor: string) {
      const job = await deps.store.jobs.get(jobId);
      if (!job) throw notFound(jobId);
      if (job.state !== 'failed')
        throw new ApplianceError('JOB_NOT_RETRYABLE', `job ${jobId} is ${job.state}; only a failed job can be retried`, { status: 409 });
      await ctx.commit(jobId, async (tx) => {
        const tasks = await tx.tasks.listByJob(jobId);
        const again = tasks.filter(
          (t) =>
            t.state === 'dead' ||
            (t.state === 'failed' &&
              t.errorCode !== 'MEDIA_REJECTED' &&
              !(t.kind === 'encode' && t.rendition === null && tasks.some((o) => o.kind === 'encode' && o.rendition !== null))),
        );
        if (again.length === 0)
          throw new ApplianceError('JOB_NOT_RETRYABLE', `job ${jobId} has no task to retry (${job.errorCode ?? 'failed'})`, { status: 409 });
        for (const t of again) await tx.tasks.reset(t.id, deps.config.pools[t.kind].maxAttempts);
        const first = again.some((t) => t.kind === 'probe') ? 'queued' : again.some((t) => t.kind === 'encode') ? 'encoding' : 'packaging';
        await tx.jobs.update(jobId, { state: first, errorCode: null, errorMessage: null });
        await tx.audit({ type: 'job.retried', actor, jobId, payload: { tasks: again.map((t) => ({ id: t.id, kind: t.kind, rendition: t.rendition })) } });
      });
      ctx.kick();
      return detail(jobId);
    },

    async outputKey(jobId: string, path: string) {
      const job = await deps.store.jobs.get(jobId);
      if (!job) throw notFound(jobId);
      if (job.state !== 'completed' && job.state !== 'partial')
        throw new ApplianceError('JOB_NOT_FINISHED', `job ${jobId} is ${job.state}; outputs exist once it completes`, { status: 409 });
      return `${jobId}/${path}`;
    },

    recover,

    async start() {
      await recover();
      stopped = false;
      timer = setInterval(() => void tick(), ctx.tickMs);
      heartbeat = setInterval(
        () => void renewLeases().catch((err: unknown) => deps.logger.error({ err }, 'lease renewal failed')),
        Math.max(200, Math.floor(ctx.leaseMs / 3)),
      );
      void tick();
    },

    async stop(reason = 'the appliance stopped') {
      stopped = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      for (const a of ctx.running.values()) {
        a.interruptedBy = { cause: 'shutdown', detail: reason };
        a.abort.abort();
      }
      await settled(() => ctx.running.size === 0);
    },
  };
}

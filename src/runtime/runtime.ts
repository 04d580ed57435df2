import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ApplianceError } from '../errors/appliance-error.js';
import { cancelJob, jobNotFound, outputKeyOf, retryJob } from './job-commands.js';
import { jobDetail } from './job-detail.js';
import type { JobDetail, JobRuntime } from './job-runtime.js';
import { recoverAtStart } from './recovery.js';
import type { RuntimeContext, RuntimeDeps } from './runtime-context.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { submitJob } from './submit.js';

export interface Runtime extends JobRuntime {
  /** Crash recovery (orphaned encoders killed, this host's stale leases re-queued, unpublished outputs published), then the scheduler. */
  start(): Promise<void>;
  /** Stops leasing; running attempts are killed and their leases lapse (re-queued on the next start). */
  stop(): Promise<void>;
}

/**
 * The durable DAG: probe → encode (ladder, or per-rendition retries) → package → publish.
 * This wires the context; the parts live beside it: `submit.ts` (the one validator and the
 * submission), `scheduler.ts` (leases and attempts), `job-commands.ts` (cancel, retry,
 * outputs), `recovery.ts` (crash recovery), `task-payloads.ts` (what tasks hold).
 */
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
      if (!image || image.removedAt)
        throw new ApplianceError('ENCODER_REMOVED', `encoder image ${job.encoderImage}, pinned at submission, is no longer registered`);
      return { id: image.id, dir: image.path };
    },
    kick: () => void scheduler.tick(),
  };
  const scheduler: Scheduler = createScheduler(ctx);

  async function detail(jobId: string): Promise<JobDetail> {
    const job = await deps.store.jobs.get(jobId);
    if (!job) throw jobNotFound(jobId);
    const live = new Map([...ctx.running.values()].map((a) => [a.task.id, a.fraction]));
    return jobDetail(job, await deps.store.tasks.listByJob(jobId), live);
  }

  return {
    submit: (request, context) => submitJob(ctx, detail, request, context),
    get: detail,
    async cancel(jobId, actor) {
      await cancelJob(ctx, jobId, actor);
      return detail(jobId);
    },
    async retry(jobId, actor) {
      await retryJob(ctx, jobId, actor);
      return detail(jobId);
    },
    outputKey: (jobId, path) => outputKeyOf(ctx, jobId, path),
    async start() {
      await recoverAtStart(ctx, host);
      scheduler.start();
    },
    stop: () => scheduler.stop(),
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { imageDirOnThisNode } from '../image-catalog/image-catalog.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { cancelJob, jobNotFound, outputKeyOf, retryJob } from './job-commands.js';
import { jobDetail } from './job-detail.js';
import type { JobDetail, JobRuntime } from './job-runtime.js';
import { recoverAtStart, type RecoveryReport } from './recovery.js';
import type { RuntimeContext, RuntimeDeps, RuntimeNode } from './runtime-context.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { submitJob } from './submit.js';

export interface Runtime extends JobRuntime {
  /** This process's lease owner name. */
  readonly owner: string;
  /** The attempts this process runs now (the node's heartbeat reports them). */
  running(): Array<{ taskId: string; jobId: string; kind: string }>;
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

export type { RecoveryReport };

/**
 * The durable DAG: probe → encode (ladder, or per-rendition retries) → package → publish.
 * This wires the context; the parts live beside it: `submit.ts` (the one validator and the
 * submission), `scheduler.ts` (leases and attempts), `job-commands.ts` (cancel, retry,
 * outputs), `recovery.ts` (crash recovery), `task-payloads.ts` (what tasks hold).
 */
export function createJobRuntime(deps: RuntimeDeps): Runtime {
  const host = hostname();
  const node: RuntimeNode = deps.node ?? { id: host, pools: ['probe', 'encode', 'package'], images: () => null, draining: () => false };
  const ctx: RuntimeContext = {
    ...deps,
    leaseMs: deps.leaseMs ?? 30_000,
    tickMs: deps.tickMs ?? 250,
    retryBaseMs: deps.retryBaseMs ?? 2_000,
    now: deps.now ?? Date.now,
    node,
    owner: node.process ?? `${node.id}/${host}:${process.pid}:${randomBytes(3).toString('hex')}`,
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
      return { id: image.id, dir: imageDirOnThisNode(image, deps.imagesDir) };
    },
    kick: () => void scheduler.tick(),
  };
  const scheduler: Scheduler = createScheduler(ctx, host);
  let recovered: Promise<RecoveryReport> | undefined;
  const recover = (): Promise<RecoveryReport> => (recovered ??= recoverAtStart(ctx, host));

  async function detail(jobId: string): Promise<JobDetail> {
    const job = await deps.store.jobs.get(jobId);
    if (!job) throw jobNotFound(jobId);
    const live = new Map([...ctx.running.values()].map((a) => [a.task.id, a.fraction]));
    return jobDetail(job, await deps.store.tasks.listByJob(jobId), live);
  }

  return {
    owner: ctx.owner,
    running: () => [...ctx.running.values()].map((a) => ({ taskId: a.task.id, jobId: a.task.jobId, kind: a.task.kind })),
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
    recover,
    async start() {
      await recover();
      scheduler.start();
    },
    stop: (reason = 'the appliance stopped') => scheduler.stop(reason),
  };
}

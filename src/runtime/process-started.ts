import type { Job, Task } from '../store/jobs.js';
import type { SpawnedProcess } from '../supervisor/stage-pool.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';

/**
 * Audits `process.started` (pid, exact argv, image) the moment a task's process is spawned,
 * so the trail shows what is running now, and what ran even when a crash leaves no end
 * record. `recorded()` resolves once every started event is written: the task's end is
 * committed after it, so the trail keeps start before end.
 */
export function processStartedAudit(ctx: RuntimeContext, job: Job, task: Task) {
  let pending: Promise<unknown> = Promise.resolve();
  const onSpawned = (info: SpawnedProcess) => {
    const payload = {
      taskId: task.id,
      kind: task.kind,
      rendition: task.rendition,
      attempt: task.attempt,
      pid: info.pid,
      argv: [...info.argv],
      imageId: info.imageId,
      startedAt: new Date(ctx.now()).toISOString(),
    };
    pending = pending
      .then(() => ctx.store.change((tx) => tx.audit({ type: 'process.started', actor: ACTOR_RUNTIME, jobId: job.id, payload })))
      .catch((err: unknown) => ctx.logger.error({ err, jobId: job.id, taskId: task.id, pid: info.pid }, 'could not audit process.started'));
  };
  return { onSpawned, recorded: () => pending };
}

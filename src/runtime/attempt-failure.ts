import { partOfTask } from './task-payloads.js';
import type { Job, Task } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { endInterruptedAttempt, interruptionOf } from './interruptions.js';
import { retryDelayMs, isRetryable } from './retry-policy.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';

export { failJob } from './fail-job.js';

/**
 * Ends a failed attempt: another attempt after back-off while attempts remain and the
 * failure is retryable, else `dead`. Returns the task's new state, for the DAG decision.
 * An attempt the appliance's own shutdown cut short is an interruption instead (not counted;
 * interruptions.ts). Attempts spent = attempts started − interruptions.
 */
export async function endFailedAttempt(
  ctx: RuntimeContext,
  tx: StoreTx,
  job: Job,
  task: Task,
  failure: { errorCode: string; message: string; record: Record<string, unknown> },
): Promise<'pending' | 'dead'> {
  const interrupted = interruptionOf(ctx, task);
  if (interrupted) return endInterruptedAttempt(ctx, tx, job, task, interrupted, failure.record);
  const retry = isRetryable(failure.errorCode) && task.attempt - task.interruptions < task.maxAttempts;
  const runAfter = ctx.now() + retryDelayMs(ctx.retryBaseMs, task.attempt);
  await tx.tasks.finish(task.id, task.fencingToken, {
    state: retry ? 'pending' : 'dead',
    errorCode: failure.errorCode,
    errorMessage: failure.message,
    ...(retry ? { runAfter } : {}),
  });
  await tx.audit({
    type: retry ? 'task.retry_scheduled' : 'task.dead',
    actor: ACTOR_RUNTIME,
    jobId: job.id,
    payload: {
      taskId: task.id,
      kind: task.kind,
      rendition: task.rendition,
      ...partOfTask(task),
      attempt: task.attempt,
      maxAttempts: task.maxAttempts,
      errorCode: failure.errorCode,
      message: failure.message,
      ...(retry ? { runAfter: new Date(runAfter).toISOString() } : {}),
      process: failure.record,
    },
  });
  return retry ? 'pending' : 'dead';
}

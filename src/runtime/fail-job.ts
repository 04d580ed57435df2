import { terminalJobStates, type Job } from '../store/jobs.js';
import type { StoreTx } from '../store/store.js';
import { ACTOR_RUNTIME } from './runtime-context.js';

/** Fails the job with its reason in the audit trail; a job already finished (e.g. failed CRASH_LOOP) is left as it is. */
export async function failJob(tx: StoreTx, job: Job, code: string, message: string, extra: Record<string, unknown> = {}): Promise<void> {
  const current = await tx.jobs.get(job.id);
  if (current && terminalJobStates.includes(current.state)) return;
  await tx.jobs.update(job.id, { state: 'failed', errorCode: code, errorMessage: message });
  await tx.audit({ type: 'job.failed', actor: ACTOR_RUNTIME, jobId: job.id, payload: { errorCode: code, message, ...extra } });
}

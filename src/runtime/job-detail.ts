import { renditionNames } from '../media/ladder-plan.js';
import type { Job, Task } from '../store/jobs.js';
import { encodedRenditions } from './ladder-decision.js';
import type { JobDetail } from './job-runtime.js';
import { encodeInput } from './task-payloads.js';

const STAGE_SPAN: Record<string, [number, number]> = { queued: [0, 0], probing: [0, 0.05], encoding: [0.05, 0.9], packaging: [0.9, 1] };

/** The API's view of a job; `live` holds the fraction of attempts running right now. */
export function jobDetail(job: Job, tasks: readonly Task[], live: ReadonlyMap<string, number>): JobDetail {
  const ladder = tasks.find((t) => t.kind === 'encode' && t.rendition === null);
  const plan = ladder ? encodeInput(ladder).plan : undefined;
  const names = plan ? renditionNames(plan) : [];
  const done = encodedRenditions(tasks);
  const renditions = names.map((name) => {
    const own = tasks.filter((t) => t.kind === 'encode' && t.rendition === name).at(-1);
    const fromDone = done.find((d) => d.name === name);
    const state: Task['state'] = fromDone ? 'succeeded' : (own?.state ?? ladder?.state ?? 'pending');
    return { name, state, sha256: fromDone?.sha256 ?? null };
  });
  let progress = job.progress;
  const span = STAGE_SPAN[job.state];
  if (span) {
    const stageTasks = tasks.filter(
      (t) => (job.state === 'encoding' ? t.kind === 'encode' : job.state === 'packaging' ? t.kind === 'package' : t.kind === 'probe') && t.state !== 'failed',
    );
    const fractions = stageTasks.map((t) => (t.state === 'succeeded' ? 1 : (live.get(t.id) ?? 0)));
    const f = fractions.length ? fractions.reduce((a, b) => a + b, 0) / fractions.length : 0;
    progress = span[0] + (span[1] - span[0]) * f;
  } else if (job.state === 'completed' || job.state === 'partial') progress = 1;
  const missing = job.state === 'partial' || job.state === 'failed' ? renditions.filter((r) => r.state !== 'succeeded').map((r) => r.name) : [];
  return {
    id: job.id,
    state: job.state,
    progress: Math.round(progress * 1000) / 1000,
    input: { key: job.inputKey, sha256: job.inputSha256, size: job.inputSize },
    ladder: job.ladder,
    ladderVersion: job.ladderVersion,
    packaging: job.packaging,
    encoder: job.encoderImage,
    policy: job.policy,
    tasks: tasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      rendition: t.rendition,
      state: t.state,
      attempt: t.attempt,
      interruptions: t.interruptions,
      maxAttempts: t.maxAttempts,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
    })),
    renditions,
    outputs: job.outputs,
    missingRenditions: missing,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    submittedBy: job.submittedBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

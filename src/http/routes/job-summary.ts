import type { Job } from '../../store/jobs.js';
import type { JobSummary } from '../schemas/jobs.js';

/** A job row as the list shows it (no tasks: the detail has them). */
export function jobSummaryOf(job: Job): JobSummary {
  const done = job.state === 'completed' || job.state === 'partial';
  return {
    id: job.id,
    state: job.state,
    progress: done ? 1 : job.progress,
    input: { key: job.inputKey, sha256: job.inputSha256, size: job.inputSize },
    ladder: job.ladder,
    ladderVersion: job.ladderVersion,
    packaging: job.packaging,
    encoder: job.encoderImage,
    policy: job.policy,
    outputs: job.outputs,
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    submittedBy: job.submittedBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

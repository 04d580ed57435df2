// Task rows as the store returns them, for the runtime's pure decisions.
import type { Task } from '../../src/store/jobs.js';

let n = 0;
export function taskRow(fields: Partial<Task> & Pick<Task, 'kind' | 'state'>): Task {
  n += 1;
  return {
    id: `task_${n}`,
    jobId: 'job_1',
    rendition: null,
    attempt: 1,
    maxAttempts: 3,
    interruptions: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    fencingToken: 1,
    runAfter: 0,
    input: null,
    output: null,
    errorCode: null,
    errorMessage: null,
    createdAt: '2026-12-04T00:00:00.000Z',
    updatedAt: '2026-12-04T00:00:00.000Z',
    ...fields,
  };
}

import type { StageTaskResult } from '../supervisor/stage-task.js';

/** What the audit trail keeps of one process: exact argv, image, times, exit, error, stderr tail. */
export function runRecord(run: StageTaskResult): Record<string, unknown> {
  return {
    argv: run.argv,
    imageId: run.imageId,
    pid: run.pid,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    outcome: run.outcome,
    exitCode: run.exitCode,
    signal: run.signal,
    errorCode: run.errorCode,
    message: run.message,
    peakRssBytes: run.peakRssBytes,
    stderrTail: run.stderrTail.slice(-2000),
  };
}

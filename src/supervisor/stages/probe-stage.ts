import { checkAccepted, type AcceptedFormatsPolicy, type Verdict } from '../../media/accepted-formats.js';
import { readProbe, type ProbeOutcome } from '../../media/parse-probe.js';
import { probeArgs } from '../../media/probe-args.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

export interface ProbeStageResult {
  run: StageTaskResult;
  /** ffprobe's JSON as it printed it (kept for the audit trail), or null when it printed none. */
  probeJson: unknown;
  outcome: ProbeOutcome | null;
  verdict: Verdict | null;
}

/** probe(input) → MediaInfo + the accepted-formats verdict, on the probe pool. */
export async function probeStage(
  pool: StagePool,
  ctx: StageContext,
  task: { taskId: string; inputPath: string; policy?: AcceptedFormatsPolicy },
): Promise<ProbeStageResult> {
  const run = await pool.run(
    task.taskId,
    ctx.image,
    ctx.trust,
    { binary: 'ffprobe', args: probeArgs(task.inputPath) },
    {
      stdout: 'collect',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
    },
  );
  if (run.outcome !== 'succeeded' && run.outcome !== 'failed') return { run, probeJson: null, outcome: null, verdict: null };
  let probeJson: unknown;
  try {
    probeJson = run.stdout.trim() ? JSON.parse(run.stdout) : null;
  } catch {
    probeJson = null;
  }
  // A non-zero ffprobe on a broken file is a verdict about the file, not a stage failure.
  const outcome = readProbe(run.stdout, { stderr: run.stderrTail });
  return { run, probeJson, outcome, verdict: checkAccepted(outcome, task.policy) };
}

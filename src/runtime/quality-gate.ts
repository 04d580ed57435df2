import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LadderPlan } from '../media/ladder-plan.js';
import type { TemplateQuality } from '../media/ladder-template.js';
import { DEFAULT_QUALITY, qualitySampleOf, qualityVerdict, type RenditionQuality } from '../media/quality-gate.js';
import type { Rendition } from '../supervisor/stages/encode-stage.js';
import { qualityStage } from '../supervisor/stages/quality-stage.js';
import type { StageContext } from '../supervisor/stages/stage-context.js';
import type { StageTaskResult } from '../supervisor/stage-task.js';
import type { Job, Task } from '../store/jobs.js';
import { resolveTemplate } from './ladder-templates.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { runRecord } from './run-record.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { stageIn } from './stage-in.js';
import type { PackageOutput } from './task-payloads.js';

export interface QualityOutcome {
  /** Every measuring process, in order (the last failed one ends the list). */
  runs: StageTaskResult[];
  /** Per video rendition; null when a measurement failed (the attempt fails, retried like any). */
  results: RenditionQuality[] | null;
  /** The gate the job's template set (or the default: measured, not gated). */
  gate: TemplateQuality;
}

/**
 * The quality gate's measuring (docs/quality.md): every video rendition against the master,
 * through the rung's own filter chain, on the template's sample, in the package pool; each
 * held to the template's thresholds. The caller decides what a rung below them costs.
 */
export async function measureQuality(
  ctx: RuntimeContext,
  job: Job,
  task: Task,
  stageCtx: StageContext,
  plan: LadderPlan,
  renditions: readonly Rendition[],
): Promise<QualityOutcome> {
  const template = await resolveTemplate(ctx.store, job.ladder, job.ladderVersion);
  const gate = template.template.quality ?? DEFAULT_QUALITY;
  const video = renditions.filter((r) => r.kind === 'video' && r.rungIndex !== null);
  const runs: StageTaskResult[] = [];
  if (video.length === 0 || plan.durationSeconds === null) return { runs, results: [], gate };
  const master = await stageIn(ctx.objects, 'input', job.inputKey, join(ctx.scratchDir, job.id, 'input'));
  const scratch = join(ctx.scratchDir, job.id, 'quality', `${task.id}.${task.attempt}`);
  const results: RenditionQuality[] = [];
  try {
    for (const r of video) {
      const measured = await qualityStage(ctx.supervisor.pools.package, stageCtx, {
        taskId: `${task.id}:quality-${r.name}`,
        plan,
        rungIndex: r.rungIndex as number,
        renditionPath: r.path,
        masterPath: master.input,
        scratchDir: scratch,
        sample: qualitySampleOf(gate),
      });
      runs.push(...measured.runs);
      if (!measured.figures) return { runs, results: null, gate };
      results.push(qualityVerdict(r.name, measured.figures, gate));
    }
  } finally {
    await master.release();
    await rm(scratch, { recursive: true, force: true });
  }
  return { runs, results, gate };
}

/** The `job.quality` audit payload: the gate, each rendition's figures and verdict, the measuring processes. */
export function qualityPayload(task: Task, quality: QualityOutcome, leftOut: readonly string[]): Record<string, unknown> {
  return { taskId: task.id, gate: quality.gate, renditions: quality.results ?? [], leftOut, processes: quality.runs.map(runRecord) };
}

/**
 * Applies the gate's outcome: a failed measurement ends the attempt (retried); a rung below a
 * threshold fails the job (`onBelow: fail`, QUALITY_BELOW_THRESHOLD) or is left out
 * (`partial`) while at least one rung passes. `stop`: the attempt is over, recorded here.
 */
export async function qualityGate(
  ctx: RuntimeContext,
  job: Job,
  task: Task,
  quality: QualityOutcome,
  recorded: () => Promise<unknown>,
): Promise<{ stop: boolean; results: RenditionQuality[]; leftOut: string[] }> {
  const results = quality.results;
  const failedRun = quality.runs.find((r) => r.outcome !== 'succeeded');
  if (!results || failedRun) {
    await recorded();
    const code = failedRun?.errorCode ?? 'MEDIA_QUALITY_STATS_INVALID';
    const message = `quality measurement failed: ${failedRun?.message ?? 'no figures'}`;
    await ctx.commit(job.id, async (tx) => {
      const state = await endFailedAttempt(ctx, tx, job, task, { errorCode: code, message, record: { processes: quality.runs.map(runRecord) } });
      if (state === 'dead') await failJob(tx, job, code, message);
    });
    return { stop: true, results: [], leftOut: [] };
  }
  const below = results.filter((r) => !r.passed);
  const passing = results.filter((r) => r.passed);
  if (below.length === 0) return { stop: false, results, leftOut: [] };
  if (quality.gate.onBelow === 'partial' && passing.length > 0) return { stop: false, results, leftOut: below.map((r) => r.rendition) };
  await recorded();
  const message = `quality below the template's thresholds: ${below
    .map(
      (r) =>
        `${r.rendition} (${r.below.map((m) => `${m} ${r[m]?.mean.toFixed(m === 'ssim' ? 4 : 2) ?? 'not measured'} < ${quality.gate.thresholds[m]}`).join(', ')})`,
    )
    .join('; ')}`;
  await ctx.commit(job.id, async (tx) => {
    // The figures stay on the task (the job detail shows them), though nothing is packaged.
    await tx.tasks.finish(task.id, task.fencingToken, {
      state: 'failed',
      errorCode: 'QUALITY_BELOW_THRESHOLD',
      errorMessage: message,
      output: { files: [], manifests: {}, quality: results } satisfies PackageOutput,
    });
    await tx.audit({ type: 'job.quality', actor: ACTOR_RUNTIME, jobId: job.id, payload: qualityPayload(task, quality, []) });
    await failJob(tx, job, 'QUALITY_BELOW_THRESHOLD', message, { quality: results });
  });
  return { stop: true, results, leftOut: [] };
}

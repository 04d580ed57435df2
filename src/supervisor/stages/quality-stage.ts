import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isApplianceError } from '../../errors/appliance-error.js';
import type { LadderPlan } from '../../media/ladder-plan.js';
import { mediaArgumentError } from '../../media/media-errors.js';
import { qualityWindowArgs, type QualityStatsFiles } from '../../media/quality-args.js';
import { parsePsnrStats, parseSsimStats, parseXpsnrStats, qualityFigures, type QualityFigures, type QualityWindowSeries } from '../../media/quality-figures.js';
import { qualityWindows, type QualitySample, type QualityWindow } from '../../media/quality-sample.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

export interface QualityStageResult {
  /** Every process run, in order (for the audit trail); the last is the one that failed, if any did. */
  runs: StageTaskResult[];
  /** Null when a run did not succeed or its stats files were unusable. */
  figures: QualityFigures | null;
}

/** What an ffmpeg built without the xpsnr filter says when asked for it. */
const NO_XPSNR = "No such filter: 'xpsnr'";

/**
 * Measures one video rendition against its master (docs/quality.md): one process per window
 * of `sample` (segments of the plan's gopSeconds), one after the other on `pool`, each
 * writing three stats files into `scratchDir` (`q<rung>-w<window>-<metric>.log`; the caller
 * owns the folder and removes it). If the image's ffmpeg has no xpsnr filter, the window is
 * run again without it and the figures carry `xpsnr: null`.
 */
export async function qualityStage(
  pool: StagePool,
  ctx: StageContext,
  task: { taskId: string; plan: LadderPlan; rungIndex: number; renditionPath: string; masterPath: string; scratchDir: string; sample: QualitySample },
): Promise<QualityStageResult> {
  const { plan, rungIndex } = task;
  if (!plan.rungs[rungIndex]) throw mediaArgumentError(`no rung ${rungIndex}`);
  if (plan.durationSeconds === null) throw mediaArgumentError('measuring quality needs the programme duration (the plan has none)');
  const windows = qualityWindows(plan.durationSeconds, plan.gopSeconds, task.sample);
  await mkdir(task.scratchDir, { recursive: true });
  const runOptions = {
    stdout: 'ignore' as const,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
  };
  const runs: StageTaskResult[] = [];
  const series: QualityWindowSeries[] = [];
  let xpsnr = true;
  for (const [w, window] of windows.entries()) {
    let stats = statsFiles(task.scratchDir, rungIndex, w, xpsnr);
    let run = await measure(`window-${w}`, window, stats);
    if (run.outcome === 'failed' && xpsnr && run.stderrTail.includes(NO_XPSNR)) {
      xpsnr = false;
      stats = statsFiles(task.scratchDir, rungIndex, w, false);
      run = await measure(`window-${w}-without-xpsnr`, window, stats);
    }
    if (run.outcome !== 'succeeded') return { runs, figures: null };
    try {
      series.push({
        window,
        psnr: parsePsnrStats(await readFile(stats.psnr, 'utf8'), `psnr stats of window ${w}`),
        ssim: parseSsimStats(await readFile(stats.ssim, 'utf8'), `ssim stats of window ${w}`),
        xpsnr: stats.xpsnr === null ? null : parseXpsnrStats(await readFile(stats.xpsnr, 'utf8'), `xpsnr stats of window ${w}`),
      });
    } catch (err) {
      runs[runs.length - 1] = failed(run, err);
      return { runs, figures: null };
    }
  }
  try {
    return { runs, figures: qualityFigures(series, plan) };
  } catch (err) {
    runs[runs.length - 1] = failed(runs[runs.length - 1] as StageTaskResult, err);
    return { runs, figures: null };
  }

  async function measure(name: string, window: QualityWindow, stats: QualityStatsFiles): Promise<StageTaskResult> {
    // A stale file of an earlier attempt must never be read as this run's.
    await Promise.all(Object.values(stats).map((p) => (p ? rm(p, { force: true }) : null)));
    const args = qualityWindowArgs(plan, rungIndex, { rendition: task.renditionPath, master: task.masterPath, window, stats });
    const run = await pool.run(`${task.taskId}:${name}`, ctx.image, ctx.trust, { binary: 'ffmpeg', args }, runOptions);
    runs.push(run);
    return run;
  }
}

function statsFiles(dir: string, rungIndex: number, window: number, xpsnr: boolean): QualityStatsFiles {
  const file = (metric: string) => join(dir, `q${rungIndex}-w${window}-${metric}.log`);
  return { psnr: file('psnr'), ssim: file('ssim'), xpsnr: xpsnr ? file('xpsnr') : null };
}

/** A run that exited 0 but left stats that cannot be read: failed, with the reason, for the audit. */
function failed(run: StageTaskResult, err: unknown): StageTaskResult {
  if (!isApplianceError(err) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  return {
    ...run,
    outcome: 'failed',
    errorCode: 'MEDIA_QUALITY_STATS_INVALID',
    message: isApplianceError(err) ? err.message : `a stats file is missing: ${(err as Error).message}`,
  };
}

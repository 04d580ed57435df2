import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkDistinctPaths } from '../../media/argv-values.js';
import type { Rational } from '../../media/rational.js';
import { packetIndexArgs, stitchArgs, stitchListText, type StitchChunk } from '../../media/stitch-args.js';
import { checkStitch, parsePacketIndex, type StitchExpectation, type StitchReport } from '../../media/stitch-check.js';
import { sha256File } from '../../hashing/file-sha256.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

export interface StitchTask {
  taskId: string;
  /** The folder holding the rung's chunk MP4s; the concat list is written there. */
  chunkDir: string;
  /** The chunks in order, by plain file name inside `chunkDir`, with their planned frame counts. */
  chunks: readonly StitchChunk[];
  frameRate: Rational;
  /** Absolute path of the stitched MP4 (not one of the chunks). */
  output: string;
  expected: StitchExpectation;
}

export interface StitchStageResult {
  /** The concat process, then the packet index (absent when the concat failed). */
  runs: StageTaskResult[];
  /** null when a process did not succeed; else the check, `ok` false on any problem (then the rung must not be published). */
  report: StitchReport | null;
  /** Of the stitched file, when the report is ok. */
  sha256: string | null;
  size: number | null;
}

/** The concat list's name inside the chunk folder. */
export const STITCH_LIST = 'stitch.ffconcat';

/**
 * stitch(chunks) → one rung MP4, on the given pool: the concat list is written into the
 * chunk folder, one ffmpeg concatenates the chunks by stream copy (stitch-args.ts), one
 * ffprobe indexes the result's packets, and `checkStitch` holds it against the plan (frame
 * count, timestamp grid, keyframes; VBV reported only). The sha256 is taken only of a
 * stitched rung that passed.
 */
export async function stitchStage(pool: StagePool, ctx: StageContext, task: StitchTask): Promise<StitchStageResult> {
  const listPath = join(task.chunkDir, STITCH_LIST);
  const list = stitchListText(task.chunks, task.frameRate);
  checkDistinctPaths([listPath, ...task.chunks.map((c) => join(task.chunkDir, c.fileName))], [task.output]);
  await writeFile(listPath, list, 'utf8');
  const runOptions = {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
  };
  const none = { report: null, sha256: null, size: null };
  const concat = await pool.run(
    `${task.taskId}:concat`,
    ctx.image,
    ctx.trust,
    { binary: 'ffmpeg', args: stitchArgs(listPath, task.output) },
    { stdout: 'ignore', ...runOptions },
  );
  if (concat.outcome !== 'succeeded') return { runs: [concat], ...none };
  let index = await pool.run(
    `${task.taskId}:packets`,
    ctx.image,
    ctx.trust,
    { binary: 'ffprobe', args: packetIndexArgs(task.output) },
    { stdout: 'collect', ...runOptions },
  );
  if (index.outcome !== 'succeeded') return { runs: [concat, index], ...none };
  let report: StitchReport;
  try {
    report = checkStitch(parsePacketIndex(index.stdout), task.expected);
  } catch (err) {
    index = { ...index, outcome: 'failed', errorCode: 'MEDIA_PROBE_OUTPUT_INVALID', message: (err as Error).message };
    return { runs: [concat, index], ...none };
  }
  // The index's stdout is the whole packet list: the report is its record.
  const runs = [concat, { ...index, stdout: '' }];
  if (!report.ok) return { runs, report, sha256: null, size: null };
  return { runs, report, ...(await sha256File(task.output)) };
}

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { subtitleStreamArgs } from '../../media/caption-args.js';
import type { CaptionPlan } from '../../media/plan-types.js';
import type { StagePool } from '../stage-pool.js';
import type { StageContext, StageRuns } from './stage-context.js';

export interface ExtractedCaption {
  name: string;
  /** The WebVTT text ffmpeg wrote, as bytes (the caption reader checks it like a sidecar). */
  bytes: Uint8Array;
}

/**
 * The master's text subtitle streams as WebVTT, one ffmpeg per stream on the given pool (no
 * decode of the picture: the subtitle packets only). Sidecar captions need no process.
 */
export async function extractSubtitleStreams(
  pool: StagePool,
  ctx: StageContext,
  task: { taskId: string; inputPath: string; captions: readonly CaptionPlan[]; outDir: string },
): Promise<{ runs: StageRuns; extracted: ExtractedCaption[] }> {
  const runs: StageRuns = [];
  const extracted: ExtractedCaption[] = [];
  await mkdir(task.outDir, { recursive: true });
  for (const caption of task.captions) {
    if (caption.source.kind !== 'stream') continue;
    const output = join(task.outDir, `${caption.name}.extracted.vtt`);
    const run = await pool.run(
      `${task.taskId}:${caption.name}`,
      ctx.image,
      ctx.trust,
      { binary: 'ffmpeg', args: subtitleStreamArgs({ input: task.inputPath, streamIndex: caption.source.streamIndex, output }) },
      {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
      },
    );
    runs.push(run);
    if (run.outcome !== 'succeeded') return { runs, extracted };
    extracted.push({ name: caption.name, bytes: await readFile(output) });
  }
  return { runs, extracted };
}

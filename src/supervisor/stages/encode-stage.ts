import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeAudioArgs, encodeLadderArgs, encodeRungArgs, type X264Preset } from '../../media/encode-args.js';
import type { LadderPlan } from '../../media/ladder-plan.js';
import { parseProgressBlock, type EncodeProgress } from '../../media/progress.js';
import { sha256File } from '../../hashing/file-sha256.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

/** One encoded rendition: a rung of the plan, or the audio. */
export interface Rendition {
  name: string;
  kind: 'video' | 'audio';
  rungIndex: number | null;
  path: string;
  sha256: string;
  size: number;
}

/** Which renditions one encode process makes: the whole ladder (default), one rung, or the audio alone (retries). */
export type EncodeScope = { kind: 'ladder' } | { kind: 'rung'; rungIndex: number } | { kind: 'audio' };

export interface EncodeStageResult {
  run: StageTaskResult;
  renditions: Rendition[];
}

export function renditionPath(outDir: string, plan: LadderPlan, name: string): string {
  return join(outDir, name === 'audio' && plan.audio ? 'audio.mp4' : `${name}.mp4`);
}

/** encode(plan) → renditions + sha256 of each, on the encode pool (its cores, its memory guard). */
export async function encodeStage(
  pool: StagePool,
  ctx: StageContext,
  task: {
    taskId: string;
    plan: LadderPlan;
    inputPath: string;
    outDir: string;
    scope?: EncodeScope;
    x264Preset?: X264Preset;
    onProgress?: (p: EncodeProgress) => void;
  },
): Promise<EncodeStageResult> {
  const { plan, inputPath, outDir } = task;
  const scope = task.scope ?? { kind: 'ladder' };
  await mkdir(outDir, { recursive: true });
  const preset = task.x264Preset ? { x264Preset: task.x264Preset } : {};
  const wanted: { name: string; kind: 'video' | 'audio'; rungIndex: number | null }[] = [];
  let args: string[];
  if (scope.kind === 'ladder') {
    plan.rungs.forEach((r, i) => wanted.push({ name: r.name, kind: 'video', rungIndex: i }));
    if (plan.audio) wanted.push({ name: 'audio', kind: 'audio', rungIndex: null });
    args = encodeLadderArgs(plan, {
      input: inputPath,
      rungOutputs: plan.rungs.map((r) => renditionPath(outDir, plan, r.name)),
      audioOutput: plan.audio ? renditionPath(outDir, plan, 'audio') : null,
      ...preset,
    });
  } else if (scope.kind === 'rung') {
    const rung = plan.rungs[scope.rungIndex];
    if (!rung) throw new RangeError(`no rung ${scope.rungIndex}`);
    wanted.push({ name: rung.name, kind: 'video', rungIndex: scope.rungIndex });
    args = encodeRungArgs(plan, scope.rungIndex, { input: inputPath, output: renditionPath(outDir, plan, rung.name), ...preset });
  } else {
    wanted.push({ name: 'audio', kind: 'audio', rungIndex: null });
    args = encodeAudioArgs(plan, { input: inputPath, output: renditionPath(outDir, plan, 'audio') });
  }
  const run = await pool.run(
    task.taskId,
    ctx.image,
    ctx.trust,
    { binary: 'ffmpeg', args },
    {
      stdout: 'progress',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
      ...(task.onProgress ? { onProgress: (block: string) => task.onProgress?.(parseProgressBlock(block, plan.durationSeconds)) } : {}),
    },
  );
  if (run.outcome !== 'succeeded') return { run, renditions: [] };
  const renditions: Rendition[] = [];
  for (const w of wanted) {
    const path = renditionPath(outDir, plan, w.name);
    renditions.push({ ...w, path, ...(await sha256File(path)) });
  }
  return { run, renditions };
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeAllAudioArgs, encodeAudioArgs, encodeChunkArgs, encodeLadderArgs, encodeRungArgs, type X264Preset } from '../../media/encode-args.js';
import type { ChunkRange } from '../../media/chunk-plan.js';
import type { LadderPlan } from '../../media/ladder-plan.js';
import type { LoudnessTarget } from '../../media/ladder-template.js';
import { loudnessMeasureArgs, measureRunLog, MEASURES_PER_PROCESS, parseLoudnessReports, type LoudnessMeasurement } from '../../media/loudness.js';
import { parseProgressBlock, type EncodeProgress } from '../../media/progress.js';
import { sha256File } from '../../hashing/file-sha256.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

/** One encoded rendition: a rung of the plan, or an audio rendition. */
export interface Rendition {
  name: string;
  kind: 'video' | 'audio';
  rungIndex: number | null;
  path: string;
  sha256: string;
  size: number;
}

/**
 * Which renditions one encode process makes: the whole ladder (default), one rung, or one
 * audio rendition by name (retries); or, for a chunked job, one chunk of every rung's video,
 * or every audio rendition whole.
 */
export type EncodeScope =
  { kind: 'ladder' } | { kind: 'rung'; rungIndex: number } | { kind: 'audio'; name: string } | { kind: 'chunk'; chunk: ChunkRange } | { kind: 'all-audio' };

/** What pass 1 measured for one audio rendition and what pass 2 was asked for: the audit's record of its loudness. */
export interface LoudnessRecord extends LoudnessMeasurement {
  target: LoudnessTarget;
  /** False for a silent track (integrated loudness −inf): encoded as it is. */
  normalised: boolean;
}

export interface EncodeStageResult {
  /** The encode process; or, when a loudness measure failed, that measure run (and nothing was encoded). */
  run: StageTaskResult;
  renditions: Rendition[];
  /** Pass-1 loudness measure processes, in order (none when no rendition in scope has a loudness target). */
  measureRuns: StageTaskResult[];
  /** By audio rendition name, for each rendition in scope with a loudness target (empty when a measure failed). */
  loudness: Record<string, LoudnessRecord>;
}

/** `<outDir>/<rendition name>.mp4`: names are the plan's own (unique, safe folder names). */
export function renditionPath(outDir: string, name: string): string {
  return join(outDir, `${name}.mp4`);
}

/**
 * encode(plan) → renditions + sha256 of each, on the encode pool (its cores, its memory guard).
 * Audio renditions with a loudness target are measured first (pass 1: one process per up to
 * MEASURES_PER_PROCESS renditions, reading the master once), then everything is encoded in
 * one process (pass 2 uses the measured values).
 */
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
  if (scope.kind === 'ladder' || scope.kind === 'chunk') {
    plan.rungs.forEach((r, i) => wanted.push({ name: r.name, kind: 'video', rungIndex: i }));
    if (scope.kind === 'ladder') plan.audio.forEach((a) => wanted.push({ name: a.name, kind: 'audio', rungIndex: null }));
  } else if (scope.kind === 'all-audio') {
    plan.audio.forEach((a) => wanted.push({ name: a.name, kind: 'audio', rungIndex: null }));
  } else if (scope.kind === 'rung') {
    const rung = plan.rungs[scope.rungIndex];
    if (!rung) throw new RangeError(`no rung ${scope.rungIndex}`);
    wanted.push({ name: rung.name, kind: 'video', rungIndex: scope.rungIndex });
  } else {
    if (!plan.audio.some((a) => a.name === scope.name)) throw new RangeError(`no audio rendition ${scope.name}`);
    wanted.push({ name: scope.name, kind: 'audio', rungIndex: null });
  }

  // Pass 1: loudness of every audio rendition in scope that has a target.
  const measured = plan.audio.map((a, i) => ({ a, i })).filter(({ a }) => a.loudness && wanted.some((w) => w.kind === 'audio' && w.name === a.name));
  const measureRuns: StageTaskResult[] = [];
  const loudness: Record<string, LoudnessRecord> = {};
  const runOptions = {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
  };
  for (let from = 0; from < measured.length; from += MEASURES_PER_PROCESS) {
    const batch = measured.slice(from, from + MEASURES_PER_PROCESS);
    const raw = await pool.run(
      `${task.taskId}:loudness-${from / MEASURES_PER_PROCESS}`,
      ctx.image,
      ctx.trust,
      {
        binary: 'ffmpeg',
        args: loudnessMeasureArgs(
          plan,
          batch.map(({ i }) => i),
          inputPath,
        ),
      },
      { stdout: 'ignore', ...runOptions },
    );
    let run: StageTaskResult = { ...raw, stderrTail: measureRunLog(raw.stderrTail) };
    const reports = run.outcome === 'succeeded' ? parseLoudnessReports(raw.stderrTail, batch.length) : [];
    const missing = batch.filter((_, k) => !reports[k]).map(({ a }) => a.name);
    if (run.outcome === 'succeeded' && missing.length > 0)
      run = {
        ...run,
        outcome: 'failed',
        errorCode: 'ENCODE_FAILED',
        message: `loudness measurement of ${missing.join(', ')}: no loudnorm report in ffmpeg's output`,
      };
    measureRuns.push(run);
    if (run.outcome !== 'succeeded') return { run, renditions: [], measureRuns, loudness: {} };
    batch.forEach(({ a }, k) => {
      const m = reports[k] as LoudnessMeasurement;
      loudness[a.name] = { ...m, target: a.loudness as LoudnessTarget, normalised: m.inputI !== null };
    });
  }

  // Pass 2: the encode.
  let args: string[];
  if (scope.kind === 'ladder') {
    args = encodeLadderArgs(plan, {
      input: inputPath,
      rungOutputs: plan.rungs.map((r) => renditionPath(outDir, r.name)),
      audioOutputs: plan.audio.map((a) => renditionPath(outDir, a.name)),
      loudness,
      ...preset,
    });
  } else if (scope.kind === 'chunk') {
    args = encodeChunkArgs(plan, scope.chunk, { input: inputPath, rungOutputs: plan.rungs.map((r) => renditionPath(outDir, r.name)), ...preset });
  } else if (scope.kind === 'all-audio') {
    args = encodeAllAudioArgs(plan, { input: inputPath, audioOutputs: plan.audio.map((a) => renditionPath(outDir, a.name)), loudness });
  } else if (scope.kind === 'rung') {
    args = encodeRungArgs(plan, scope.rungIndex, { input: inputPath, output: renditionPath(outDir, wanted[0]!.name), ...preset });
  } else {
    args = encodeAudioArgs(plan, scope.name, { input: inputPath, output: renditionPath(outDir, scope.name), loudness });
  }
  const span = scope.kind === 'chunk' ? scope.chunk.endSeconds - scope.chunk.startSeconds : plan.durationSeconds;
  let lastFrame: number | null = null;
  let run = await pool.run(
    task.taskId,
    ctx.image,
    ctx.trust,
    { binary: 'ffmpeg', args },
    {
      stdout: 'progress',
      ...runOptions,
      onProgress: (block: string) => {
        const p = parseProgressBlock(block, span);
        if (p.frame !== null) lastFrame = p.frame;
        task.onProgress?.(p);
      },
    },
  );
  if (run.outcome === 'succeeded' && scope.kind === 'chunk' && lastFrame !== scope.chunk.frames)
    // The master's index said one thing, its decode another: never stitched (docs/chunking.md).
    run = {
      ...run,
      outcome: 'failed',
      errorCode: 'CHUNK_FRAME_COUNT',
      message: `chunk ${scope.chunk.index}: encoded ${String(lastFrame)} frames, the plan has ${scope.chunk.frames} (frames ${scope.chunk.startFrame}..${scope.chunk.startFrame + scope.chunk.frames - 1})`,
    };
  if (run.outcome !== 'succeeded') return { run, renditions: [], measureRuns, loudness };
  const renditions: Rendition[] = [];
  for (const w of wanted) {
    const path = renditionPath(outDir, w.name);
    renditions.push({ ...w, path, ...(await sha256File(path)) });
  }
  return { run, renditions, measureRuns, loudness };
}

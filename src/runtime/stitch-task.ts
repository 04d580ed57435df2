import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { plannedKeyframes } from '../media/chunk-plan.js';
import type { StitchReport } from '../media/stitch-check.js';
import { stitchStage } from '../supervisor/stages/stitch-stage.js';
import type { StageTaskResult } from '../supervisor/stage-task.js';
import type { Job, Task } from '../store/jobs.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { createPackageTask } from './ladder-decision.js';
import { processStartedAudit } from './process-started.js';
import { runRecord } from './run-record.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { stitchInput, type StitchOutput, type StoredRendition } from './task-payloads.js';

const chunkFile = (index: number): string => `chunk-${String(index).padStart(5, '0')}.mp4`;

/** Puts one chunk where the concat list names it: a link to the object on the embedded store, else a copy (decrypted, into scratch). */
async function placeChunk(ctx: RuntimeContext, key: string, path: string): Promise<void> {
  const access = await ctx.objects.readAccess('intermediate', key);
  if (access.kind === 'path') return symlink(access.path, path);
  if (access.release !== undefined) await access.release();
  await pipeline(await ctx.objects.get('intermediate', key), createWriteStream(path, { highWaterMark: 4 << 20 }));
}

/**
 * Stitches a chunked job's rungs (docs/chunking.md): per rung, the chunks concatenated by
 * stream copy and checked against the plan — frame count, the constant-rate timestamp grid,
 * keyframes exactly where planned; VBV measured and reported. A rung that fails its check
 * fails the job (never published); a process failure is retried. Then the package task.
 */
export async function runStitchTask(ctx: RuntimeContext, job: Job, task: Task, signal: AbortSignal): Promise<void> {
  const { plan, chunks, totalFrames, audio, missing } = stitchInput(task);
  const image = await ctx.imageOf(job);
  const started = processStartedAudit(ctx, job, task);
  const stageCtx = { image, trust: ctx.trust, signal, onSpawned: started.onSpawned };
  const keyframes = plannedKeyframes(plan, totalFrames);
  const chunkStarts = chunks.map((c) => c.chunk.startFrame);
  const base = join(ctx.scratchDir, job.id, 'stitch', `${task.id}.${task.attempt}`);
  const runs: StageTaskResult[] = [];
  const reports: Record<string, StitchReport> = {};
  const stitched: StoredRendition[] = [];
  let failed: { run: StageTaskResult } | { rung: string; report: StitchReport } | undefined;
  try {
    for (const [rungIndex, rung] of plan.rungs.entries()) {
      const dir = join(base, rung.name);
      await mkdir(dir, { recursive: true });
      for (const c of chunks) {
        const r = c.renditions.find((x) => x.name === rung.name);
        if (!r) throw new ApplianceError('INTERNAL', `chunk ${c.chunk.index} has no rendition ${rung.name}`);
        await placeChunk(ctx, r.key, join(dir, chunkFile(c.chunk.index)));
      }
      const output = join(base, `${rung.name}.mp4`);
      const result = await stitchStage(ctx.supervisor.pools.package, stageCtx, {
        taskId: `${task.id}:${rung.name}`,
        chunkDir: dir,
        chunks: chunks.map((c) => ({ fileName: chunkFile(c.chunk.index), frames: c.chunk.frames })),
        frameRate: plan.frameRate,
        output,
        expected: { frames: totalFrames, frameRate: plan.frameRate, keyframes, maxrateKbps: rung.maxrateKbps, bufsizeKbps: rung.bufsizeKbps, chunkStarts },
      });
      runs.push(...result.runs);
      const bad = result.runs.find((r) => r.outcome !== 'succeeded');
      if (bad || !result.report) {
        failed = { run: bad ?? (result.runs.at(-1) as StageTaskResult) };
        break;
      }
      reports[rung.name] = result.report;
      if (!result.report.ok || result.sha256 === null) {
        failed = { rung: rung.name, report: result.report };
        break;
      }
      const key = `${job.id}/stitched/${task.id}.${task.attempt}/${rung.name}.mp4`;
      const put = await ctx.objects.put('intermediate', key, createReadStream(output, { highWaterMark: 4 << 20 }), { expectedSha256: result.sha256 });
      stitched.push({ name: rung.name, kind: 'video', rungIndex, key, sha256: put.sha256, size: put.size });
      await rm(dir, { recursive: true, force: true });
      await rm(output, { force: true });
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  await started.recorded();
  const processes = runs.map(runRecord);
  if (failed && 'run' in failed) {
    const run = failed.run;
    await ctx.commit(job.id, async (tx) => {
      const state = await endFailedAttempt(ctx, tx, job, task, {
        errorCode: run.errorCode ?? 'STITCH_FAILED',
        message: run.message ?? 'stitching failed',
        record: { processes, reports },
      });
      if (state === 'dead') await failJob(tx, job, run.errorCode ?? 'STITCH_FAILED', `stitching failed: ${run.message ?? 'unknown'}`);
    });
    return;
  }
  if (failed) {
    const { rung, report } = failed;
    const first = report.problems[0];
    const code = first?.code ?? 'STITCH_FRAME_COUNT';
    const message = `rung ${rung} stitched from ${chunks.length} chunks is not the planned rung: ${report.problems.map((p) => p.message).join('; ')}`;
    await ctx.commit(job.id, async (tx) => {
      await tx.tasks.finish(task.id, task.fencingToken, { state: 'failed', errorCode: code, errorMessage: message });
      await tx.audit({
        type: 'task.failed',
        actor: ACTOR_RUNTIME,
        jobId: job.id,
        payload: { taskId: task.id, kind: 'stitch', attempt: task.attempt, errorCode: code, message, processes, reports },
      });
      await failJob(tx, job, code, message, { rung, problems: report.problems });
    });
    return;
  }
  const renditions = [...stitched, ...audio];
  await ctx.commit(job.id, async (tx) => {
    await tx.tasks.finish(task.id, task.fencingToken, { state: 'succeeded', output: { renditions, reports } satisfies StitchOutput });
    await tx.audit({
      type: 'task.succeeded',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: {
        taskId: task.id,
        kind: 'stitch',
        attempt: task.attempt,
        processes,
        chunks: chunks.length,
        frames: totalFrames,
        reports,
        renditions: stitched,
      },
    });
    await createPackageTask(ctx, tx, job, { plan, renditions, missing });
  });
}

import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { renditionNames, type LadderPlan } from '../media/ladder-plan.js';
import { encodeStage, type EncodeScope } from '../supervisor/stages/encode-stage.js';
import type { Job, Task } from '../store/jobs.js';
import { endFailedAttempt } from './attempt-failure.js';
import { newId } from './ids.js';
import { interruptionOf } from './interruptions.js';
import { decideLadder } from './ladder-decision.js';
import { processStartedAudit } from './process-started.js';
import { runRecord } from './run-record.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { stageIn } from './stage-in.js';
import { encodeInput, partOfTask, type EncodeInput, type EncodeOutput, type EncodePart, type StoredRendition } from './task-payloads.js';

function scopeOf(plan: LadderPlan, rendition: string | null, part: EncodePart | undefined): EncodeScope {
  if (part?.kind === 'chunk') return { kind: 'chunk', chunk: part.chunk };
  if (part?.kind === 'audio') return { kind: 'all-audio' };
  if (rendition === null) return { kind: 'ladder' };
  if (plan.audio.some((a) => a.name === rendition)) return { kind: 'audio', name: rendition };
  return { kind: 'rung', rungIndex: plan.rungs.findIndex((r) => r.name === rendition) };
}

/**
 * Encodes the whole ladder in one process (one decode), or one rendition alone on a retry.
 * Outputs go to the intermediate bucket under an attempt-specific key, and the task commits
 * only with their sha256 recorded. A failed whole-ladder attempt splits into one task per
 * rendition, each retried alone.
 */
export async function runEncodeTask(ctx: RuntimeContext, job: Job, task: Task, signal: AbortSignal, onFraction: (f: number) => void): Promise<void> {
  const { plan, part } = encodeInput(task);
  const partAudit = partOfTask(task);
  const image = await ctx.imageOf(job);
  const staged = await stageIn(ctx.objects, 'input', job.inputKey, join(ctx.scratchDir, job.id, 'input'));
  const outDir = join(ctx.scratchDir, job.id, 'encode', `${task.id}.${task.attempt}`);
  const started = processStartedAudit(ctx, job, task);
  const r = await encodeStage(
    ctx.supervisor.pools.encode,
    { image, trust: ctx.trust, signal, onSpawned: started.onSpawned },
    {
      taskId: task.id,
      plan,
      inputPath: ctx.failEncodeAttempt?.({ rendition: task.rendition, attempt: task.attempt, chunk: part?.kind === 'chunk' ? part.chunk.index : null })
        ? join(ctx.scratchDir, job.id, 'fault-injected-missing-input')
        : staged.input,
      outDir,
      scope: scopeOf(plan, task.rendition, part),
      ...(ctx.x264Preset ? { x264Preset: ctx.x264Preset } : {}),
      onProgress: (p) => {
        if (p.fraction !== null) onFraction(p.fraction);
        ctx.bus.publish({
          type: 'task.progress',
          at: new Date(ctx.now()).toISOString(),
          jobId: job.id,
          taskId: task.id,
          kind: 'encode',
          rendition: task.rendition,
          fraction: p.fraction,
          fps: p.fps,
          speed: p.speed,
        });
      },
    },
  ).finally(() => staged.release());
  await started.recorded();
  const record = runRecord(r.run);
  if (r.run.outcome !== 'succeeded') {
    await rm(outDir, { recursive: true, force: true });
    await ctx.commit(job.id, async (tx) => {
      const failure = { errorCode: r.run.errorCode ?? 'ENCODE_FAILED', message: r.run.message ?? 'encode failed', record };
      if (task.rendition === null && !part && !interruptionOf(ctx, task) && failure.errorCode !== 'CANCELLED' && failure.errorCode !== 'ENCODER_UNVERIFIED') {
        // The one-process ladder failed: retry each rendition alone, so one bad rung costs only itself.
        await tx.tasks.finish(task.id, task.fencingToken, { state: 'failed', errorCode: failure.errorCode, errorMessage: failure.message });
        await tx.audit({
          type: 'task.failed',
          actor: ACTOR_RUNTIME,
          jobId: job.id,
          payload: {
            taskId: task.id,
            kind: 'encode',
            rendition: null,
            attempt: task.attempt,
            errorCode: failure.errorCode,
            message: failure.message,
            process: record,
          },
        });
        const names = renditionNames(plan);
        for (const name of names)
          await tx.tasks.insert({
            id: newId('task'),
            jobId: job.id,
            kind: 'encode',
            rendition: name,
            maxAttempts: ctx.config.pools.encode.maxAttempts,
            input: { plan } satisfies EncodeInput,
          });
        await tx.audit({ type: 'job.ladder_split', actor: ACTOR_RUNTIME, jobId: job.id, payload: { failedTask: task.id, renditions: names } });
        return;
      }
      const state = await endFailedAttempt(ctx, tx, job, task, failure);
      if (state === 'dead') await decideLadder(ctx, tx, job);
    });
    return;
  }
  const stored: StoredRendition[] = [];
  for (const rendition of r.renditions) {
    const folder = part?.kind === 'chunk' ? `chunks/${String(part.chunk.index).padStart(5, '0')}` : 'renditions';
    const key = `${job.id}/${folder}/${task.id}.${task.attempt}/${rendition.name}.mp4`;
    const put = await ctx.objects.put('intermediate', key, createReadStream(rendition.path, { highWaterMark: 4 << 20 }), { expectedSha256: rendition.sha256 });
    stored.push({ name: rendition.name, kind: rendition.kind, rungIndex: rendition.rungIndex, key, sha256: put.sha256, size: put.size });
  }
  await rm(outDir, { recursive: true, force: true });
  await ctx.commit(job.id, async (tx) => {
    await tx.tasks.finish(task.id, task.fencingToken, { state: 'succeeded', output: { renditions: stored } satisfies EncodeOutput });
    await tx.audit({
      type: 'task.succeeded',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: {
        taskId: task.id,
        kind: 'encode',
        rendition: task.rendition,
        ...partAudit,
        attempt: task.attempt,
        process: record,
        ...(r.measureRuns.length ? { measureProcesses: r.measureRuns.map(runRecord), loudness: r.loudness } : {}),
        renditions: stored,
      },
    });
    await decideLadder(ctx, tx, job);
  });
}

import { join } from 'node:path';
import { planLadder, renditionNames } from '../media/ladder-plan.js';
import { probeStage } from '../supervisor/stages/probe-stage.js';
import type { Job, Task } from '../store/jobs.js';
import { isApplianceError } from '../errors/appliance-error.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { newId } from './ids.js';
import { runRecord } from './run-record.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { processStartedAudit } from './process-started.js';
import { stageIn } from './stage-in.js';
import { redactProbeTags } from '../media/probe-redaction.js';
import { isEncrypted } from '../storage/encrypted-store.js';
import { probeInput, type EncodeInput, type ProbeOutput } from './task-payloads.js';
import { resolveTemplate } from './ladder-templates.js';
import { captionInputOf } from './caption-inputs.js';
import { acceptedFormatsPolicy } from '../media/accepted-formats.js';
import { planChunks } from '../media/chunk-plan.js';
import type { SourceIndex } from '../media/source-index.js';

/** The index as the audit records it: its figures, not every keyframe. */
function indexSummary(index: SourceIndex | null): Record<string, unknown> | null {
  if (!index) return null;
  const keys = index.keyframeSeconds;
  const gaps = keys.slice(1).map((k, i) => k - (keys[i] as number));
  return { frames: index.frames, keyframes: keys.length, largestKeyframeGapSeconds: gaps.length ? Math.max(...gaps) : null, lastSeconds: index.lastSeconds };
}

/** probe → verdict → plan → the encode task (one process for the whole ladder). */
export async function runProbeTask(ctx: RuntimeContext, job: Job, task: Task, signal: AbortSignal): Promise<void> {
  const image = await ctx.imageOf(job);
  const template = await resolveTemplate(ctx.store, job.ladder, job.ladderVersion);
  const captions = (probeInput(task).captions ?? []).map(captionInputOf);
  const policy = acceptedFormatsPolicy({ ...(template.template.acceptedFormats ?? {}) });
  const staged = await stageIn(ctx.objects, 'input', job.inputKey, join(ctx.scratchDir, job.id, 'input'));
  const started = processStartedAudit(ctx, job, task);
  const r = await probeStage(
    ctx.supervisor.pools.probe,
    { image, trust: ctx.trust, signal, onSpawned: started.onSpawned },
    { taskId: task.id, inputPath: staged.input, policy, indexLongerThanSeconds: ctx.config.chunking.enabled ? ctx.config.chunking.thresholdSeconds : null },
  ).finally(() => staged.release());
  await started.recorded();
  const record = runRecord(r.run);
  await ctx.commit(job.id, async (tx) => {
    if (!r.verdict) {
      const state = await endFailedAttempt(ctx, tx, job, task, {
        errorCode: r.run.errorCode ?? 'PROBE_FAILED',
        message: r.run.message ?? 'probe failed',
        record,
      });
      if (state === 'dead') await failJob(tx, job, r.run.errorCode ?? 'PROBE_FAILED', `probe failed: ${r.run.message ?? 'unknown'}`);
      return;
    }
    await tx.audit({
      type: 'job.probed',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      // With encryption at rest, the master's free-text metadata stays out of the (clear) database.
      payload: {
        taskId: task.id,
        process: record,
        ...(r.hdrFrameRun ? { hdrFrameProcess: runRecord(r.hdrFrameRun), frameHdrMetadata: r.frameHdrMetadata ?? null } : {}),
        ...(r.indexRun ? { indexProcess: runRecord(r.indexRun), sourceIndex: indexSummary(r.sourceIndex) } : {}),
        ffprobe: isEncrypted(ctx.objects) ? redactProbeTags(r.probeJson) : r.probeJson,
        verdict: r.verdict,
      },
    });
    if (!r.verdict.accepted || !r.outcome?.readable) {
      const reasons = r.verdict.accepted ? [] : r.verdict.reasons;
      await tx.tasks.finish(task.id, task.fencingToken, {
        state: 'failed',
        errorCode: 'MEDIA_REJECTED',
        errorMessage: reasons.map((x) => x.message).join('; '),
      });
      await failJob(tx, job, 'MEDIA_REJECTED', `input rejected: ${reasons.map((x) => x.message).join('; ')}`, { reasons });
      return;
    }
    let plan;
    try {
      plan = planLadder(r.outcome.info, template.template, { version: template.version, captions });
    } catch (err) {
      const code = isApplianceError(err) ? err.code : 'LADDER_INVALID';
      await tx.tasks.finish(task.id, task.fencingToken, { state: 'failed', errorCode: code, errorMessage: (err as Error).message });
      await failJob(tx, job, code, (err as Error).message);
      return;
    }
    const info = r.outcome.info;
    await tx.tasks.finish(task.id, task.fencingToken, {
      state: 'succeeded',
      output: {
        durationSeconds: info.container.durationSeconds,
        video: info.video ? { width: info.video.width, height: info.video.height, codec: info.video.codec } : null,
      } satisfies ProbeOutput,
    });
    const chunking = planChunks(plan, info.video, r.sourceIndex, ctx.config.chunking);
    await tx.audit({ type: 'job.planned', actor: ACTOR_RUNTIME, jobId: job.id, payload: { plan, chunking } });
    const summary = {
      chunked: chunking.chunked,
      reasonCode: chunking.reasonCode,
      reason: chunking.reason,
      chunkSeconds: chunking.chunked ? chunking.chunkSeconds : null,
    };
    const encodeInputs: EncodeInput[] = chunking.chunked
      ? [
          ...chunking.chunks.map((chunk): EncodeInput => ({ plan, part: { kind: 'chunk', chunk, chunks: chunking.chunks.length }, chunking: summary })),
          ...(plan.audio.length ? [{ plan, part: { kind: 'audio' }, chunking: summary } satisfies EncodeInput] : []),
        ]
      : [{ plan, chunking: summary }];
    const encodeIds: string[] = [];
    for (const input of encodeInputs) {
      const id = newId('task');
      encodeIds.push(id);
      await tx.tasks.insert({ id, jobId: job.id, kind: 'encode', rendition: null, maxAttempts: ctx.config.pools.encode.maxAttempts, input });
    }
    await tx.jobs.update(job.id, { state: 'encoding' });
    await tx.audit({
      type: 'job.state',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: { state: 'encoding', ...(chunking.chunked ? { encodeTasks: encodeIds } : { encodeTask: encodeIds[0] }), renditions: renditionNames(plan) },
    });
  });
}

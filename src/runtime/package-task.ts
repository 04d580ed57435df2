import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteJobIntermediates } from '../storage/lifecycle.js';
import { packageStage, type PackagingFormat } from '../supervisor/stages/package-stage.js';
import type { Rendition } from '../supervisor/stages/encode-stage.js';
import type { Job, Task } from '../store/jobs.js';
import { endFailedAttempt, failJob } from './attempt-failure.js';
import { packageInput, packageOutput, type PackagedFile, type PackageOutput } from './task-payloads.js';
import { processStartedAudit } from './process-started.js';
import { runRecord } from './run-record.js';
import { ACTOR_RUNTIME, type RuntimeContext } from './runtime-context.js';
import { stageIn, type StagedInput } from './stage-in.js';
import { prepareCaptions, type PreparedCaptions } from './caption-files.js';
import { measureQuality, qualityGate, qualityPayload, type QualityOutcome } from './quality-gate.js';

/** Packages the renditions (stream copy) into HLS and/or DASH, then publishes them. */
export async function runPackageTask(ctx: RuntimeContext, job: Job, task: Task, signal: AbortSignal): Promise<void> {
  const { plan, renditions } = packageInput(task);
  const image = await ctx.imageOf(job);
  let local: Rendition[] = [];
  const staged: StagedInput[] = [];
  const releaseAll = async (): Promise<void> => void (await Promise.all(staged.map((s) => s.release())));
  try {
    for (const r of renditions) {
      const s = await stageIn(ctx.objects, 'intermediate', r.key, join(ctx.scratchDir, job.id, 'staged', r.key.split('/').slice(-2).join('-')));
      staged.push(s);
      local.push({ name: r.name, kind: r.kind, rungIndex: r.rungIndex, path: s.input, sha256: r.sha256, size: r.size });
    }
  } catch (err) {
    await releaseAll();
    throw err;
  }
  const outDir = join(ctx.scratchDir, job.id, 'package', `${task.id}.${task.attempt}`);
  const captionDir = join(ctx.scratchDir, job.id, 'captions', `${task.id}.${task.attempt}`);
  const started = processStartedAudit(ctx, job, task);
  const stageCtx = { image, trust: ctx.trust, signal, onSpawned: started.onSpawned };
  // The quality gate first: a rung below the template's thresholds fails the job or is left out.
  let quality: QualityOutcome;
  try {
    quality = await measureQuality(ctx, job, task, stageCtx, plan, local);
  } catch (err) {
    await releaseAll();
    throw err;
  }
  const gate = await qualityGate(ctx, job, task, quality, started.recorded);
  if (gate.stop) {
    await releaseAll();
    return;
  }
  local = local.filter((r) => !gate.leftOut.includes(r.name));
  let captions: PreparedCaptions;
  try {
    captions = await prepareCaptions(
      { objects: ctx.objects, pool: ctx.supervisor.pools.package, ctx: stageCtx },
      {
        taskId: task.id,
        plan,
        masterPath: () => stageIn(ctx.objects, 'input', job.inputKey, join(ctx.scratchDir, job.id, 'input')),
        outDir: captionDir,
      },
    );
  } catch (err) {
    await releaseAll();
    await rm(captionDir, { recursive: true, force: true });
    throw err;
  }
  if (captions.refused) {
    await releaseAll();
    await started.recorded();
    await rm(captionDir, { recursive: true, force: true });
    const refused = captions.refused;
    await ctx.commit(job.id, async (tx) => {
      await tx.tasks.finish(task.id, task.fencingToken, { state: 'failed', errorCode: refused.code, errorMessage: refused.message });
      await failJob(tx, job, refused.code, `caption refused: ${refused.message}`, { captions: captions.records, processes: captions.runs.map(runRecord) });
    });
    return;
  }
  const pkg = await (
    captions.runs.some((r) => r.outcome !== 'succeeded')
      ? Promise.resolve({ runs: captions.runs, manifests: {}, files: [] })
      : packageStage(ctx.supervisor.pools.package, stageCtx, {
          taskId: task.id,
          plan,
          renditions: local,
          outDir,
          formats: job.packaging as PackagingFormat[],
          captions: captions.captions,
        }).then((r) => ({ ...r, runs: [...captions.runs, ...r.runs] }))
  ).finally(async () => {
    await releaseAll();
    await rm(captionDir, { recursive: true, force: true });
  });
  await started.recorded();
  const records = pkg.runs.map(runRecord);
  const failed = pkg.runs.find((r) => r.outcome !== 'succeeded');
  if (failed) {
    await rm(outDir, { recursive: true, force: true });
    await ctx.commit(job.id, async (tx) => {
      const state = await endFailedAttempt(ctx, tx, job, task, {
        errorCode: failed.errorCode ?? 'PACKAGE_FAILED',
        message: failed.message ?? 'packaging failed',
        record: { processes: records },
      });
      if (state === 'dead') await failJob(tx, job, failed.errorCode ?? 'PACKAGE_FAILED', `packaging failed: ${failed.message ?? 'unknown'}`);
    });
    return;
  }
  const files: PackagedFile[] = [];
  for (const f of pkg.files) {
    const key = `${job.id}/package/${task.id}.${task.attempt}/${f.path}`;
    const put = await ctx.objects.put('intermediate', key, createReadStream(join(outDir, f.path), { highWaterMark: 4 << 20 }), { expectedSha256: f.sha256 });
    files.push({ path: f.path, key, sha256: put.sha256, size: put.size });
  }
  await rm(outDir, { recursive: true, force: true });
  await ctx.commit(job.id, async (tx) => {
    await tx.tasks.finish(task.id, task.fencingToken, {
      state: 'succeeded',
      output: { files, manifests: pkg.manifests, quality: gate.results, leftOut: gate.leftOut } satisfies PackageOutput,
    });
    await tx.audit({ type: 'job.quality', actor: ACTOR_RUNTIME, jobId: job.id, payload: qualityPayload(task, quality, gate.leftOut) });
    if (gate.leftOut.length)
      await tx.audit({
        type: 'job.partial_ladder',
        actor: ACTOR_RUNTIME,
        jobId: job.id,
        payload: { missingRenditions: gate.leftOut, reason: 'quality', policy: 'partial', flaggedForReview: true },
      });
    await tx.audit({
      type: 'task.succeeded',
      actor: ACTOR_RUNTIME,
      jobId: job.id,
      payload: {
        taskId: task.id,
        kind: 'package',
        attempt: task.attempt,
        processes: records,
        captions: captions.records,
        files: files.map(({ path, sha256, size }) => ({ path, sha256, size })),
      },
    });
  });
  await publishOutputs(ctx, job.id);
}

/**
 * Commits a packaged job's files to their final keys `<jobId>/<path>` in the output bucket,
 * each exactly once (a file already there with the same sha256 is not written again), then
 * completes the job and removes its intermediates. Idempotent: crash recovery runs it again.
 */
export async function publishOutputs(ctx: RuntimeContext, jobId: string): Promise<void> {
  const job = await ctx.store.jobs.get(jobId);
  if (!job || job.state !== 'packaging') return;
  const pkgTask = (await ctx.store.tasks.listByJob(jobId)).find((t) => t.kind === 'package' && t.state === 'succeeded');
  if (!pkgTask) return;
  const { files, manifests, leftOut } = packageOutput(pkgTask);
  const missing = [...packageInput(pkgTask).missing, ...(leftOut ?? [])];
  const published: { key: string; sha256: string; size: number }[] = [];
  for (const f of files) {
    const target = `${jobId}/${f.path}`;
    const existing = await ctx.objects.stat('output', target).catch(() => null);
    if (!existing || existing.sha256 !== f.sha256) await ctx.objects.copy({ bucket: 'intermediate', key: f.key }, { bucket: 'output', key: target });
    published.push({ key: target, sha256: f.sha256, size: f.size });
  }
  const state = missing.length ? 'partial' : 'completed';
  await ctx.commit(jobId, async (tx) => {
    const current = await tx.jobs.get(jobId);
    if (!current || current.state !== 'packaging') return;
    await tx.jobs.update(jobId, {
      state,
      progress: 1,
      outputs: manifests,
      ...(missing.length ? { errorCode: 'PARTIAL_LADDER', errorMessage: `missing renditions: ${missing.join(', ')}` } : {}),
    });
    await tx.audit({ type: `job.${state}`, actor: ACTOR_RUNTIME, jobId, payload: { outputs: published, manifests, missingRenditions: missing } });
  });
  await cleanupJob(ctx, jobId);
}

/** Removes a finished or cancelled job's intermediate objects and scratch, audited. */
export async function cleanupJob(ctx: RuntimeContext, jobId: string): Promise<void> {
  const deleted = await deleteJobIntermediates(ctx.objects, jobId);
  await rm(join(ctx.scratchDir, jobId), { recursive: true, force: true });
  if (deleted > 0) {
    await ctx.store.change(
      async (tx) => void (await tx.audit({ type: 'job.intermediates_deleted', actor: ACTOR_RUNTIME, jobId, payload: { objects: deleted } })),
    );
  }
}

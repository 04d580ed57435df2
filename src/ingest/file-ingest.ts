import { join } from 'node:path';
import type { IngestRecord } from '../store/ingests.js';
import { recordIngests, type FolderContext, type IngestChange } from './folder-context.js';
import { moveInto, lstatOrNone } from './file-moves.js';
import { duplicateOf, type StoredCaption } from './duplicates.js';
import { failClaimed } from './failures.js';
import { failureOf } from './ingest-errors.js';
import { scheduleRetry, TEMPORARY_FAILURES, type ClaimedOutcome } from './retries.js';
import { sidecarKeyOf, sidecarLanguage } from './sidecars.js';
import { inputKeyOf, Stopping, storeVerified } from './storing.js';

const idempotencyKey = (ingestId: string) => `ingest:${ingestId}`;

/**
 * Stores a claimed file (`.processing/<name>`) and its claimed caption sidecars into the input
 * bucket, hashing on the way, verifies the stored bytes, submits the job with the sidecars as
 * its `captions` (idempotent: the master's ingest id is the Idempotency-Key) and moves the
 * files to `done/`, the sidecars first. Any failure moves them all to `failed/` with a
 * `<name>.error.json` each; a stop leaves them in `.processing/` for the next start. Used for a
 * fresh claim and to resume one found at start.
 */
export async function processClaimed(ctx: FolderContext, ingest: IngestRecord, attempt = 1, sidecars: readonly IngestRecord[] = []): Promise<ClaimedOutcome> {
  const claimed = join(ctx.processing, ingest.name);
  let jobId = ingest.jobId ?? (await ctx.store.jobs.byIdempotencyKey(idempotencyKey(ingest.id)))?.id ?? null;
  // What a fresh submission names (the stored sidecars); a duplicate is recorded as one.
  let shown: Record<string, unknown>[] | undefined;
  let duplicate = false;
  try {
    if (!jobId) {
      const stored = await storeVerified(ctx, ingest, claimed, inputKeyOf(ingest));
      const captions: StoredCaption[] = [];
      for (const s of sidecars) {
        const key = sidecarKeyOf(ingest, s.name);
        const one = await storeVerified(ctx, s, join(ctx.processing, s.name), key, { sidecarOf: ingest.name, masterIngestId: ingest.id });
        captions.push({ ingest: s, ...one, language: sidecarLanguage(s.name) });
      }
      shown = captions.map((c) => ({ name: c.ingest.name, key: c.key, language: c.language, sha256: c.sha256, size: c.size }));
      const earlier = await duplicateOf(ctx, ingest, stored.sha256, captions);
      if (earlier) {
        for (const key of [stored.key, ...captions.map((c) => c.key)]) await ctx.objects.delete('input', key, { allVersions: true });
        jobId = earlier.jobId!;
        // Recorded before the moves: a stop in between finds the job and only moves the files.
        await recordIngests(ctx, [
          {
            id: ingest.id,
            patch: { state: 'submitted', jobId, inputKey: null },
            type: 'ingest.duplicate',
            payload: { name: ingest.name, sha256: stored.sha256, size: stored.size, duplicateOf: earlier.id, ...(shown.length > 0 ? { captions: shown } : {}) },
          },
          // A sidecar keeps its key (its object removed): it is what ties it to its master until it is done.
          ...captions.map((c): IngestChange => ({
            id: c.ingest.id,
            patch: { state: 'submitted', jobId },
            type: 'ingest.duplicate',
            payload: { name: c.ingest.name, sha256: c.sha256, size: c.size, duplicateOf: earlier.id, sidecarOf: ingest.name },
          })),
        ]);
        duplicate = true;
        ctx.logger.info(
          { folder: ctx.root, name: ingest.name, duplicateOf: earlier.id, jobId },
          'watch folder: same name and content (and sidecars) already submitted; not submitted again',
        );
      } else {
        if (ctx.signal.aborted) throw new Stopping();
        const { job } = await ctx.runtime.submit(
          {
            input: { key: stored.key },
            ladder: ctx.folder.ladder,
            packaging: ctx.folder.packaging,
            ...(captions.length > 0 ? { captions: captions.map((c) => ({ key: c.key, ...(c.language !== null ? { language: c.language } : {}) })) } : {}),
            ...(ctx.folder.encoder ? { encoder: ctx.folder.encoder } : {}),
            ...(ctx.folder.policy ? { policy: ctx.folder.policy } : {}),
          },
          { actor: ctx.actor, idempotencyKey: idempotencyKey(ingest.id) },
        );
        jobId = job.id;
      }
    }
  } catch (err) {
    if (err instanceof Stopping || ctx.signal.aborted) {
      ctx.logger.info(
        { folder: ctx.root, name: ingest.name, ingestId: ingest.id },
        'watch folder: stopping; the file stays in .processing/ and is resumed at the next start',
      );
      return { outcome: 'stopped' };
    }
    const failure = failureOf(err);
    if (TEMPORARY_FAILURES.has(failure.code) && attempt < ctx.folder.retryAttempts) return scheduleRetry(ctx, ingest, sidecars, failure, attempt);
    await failClaimed(ctx, ingest, sidecars, err);
    return { outcome: 'failed' };
  }
  // The records that do not say so yet (all of them after a submission; after a resume, those not recorded before the stop).
  if (!duplicate) {
    const captions = shown ?? sidecars.map((s) => ({ name: s.name, key: s.inputKey, language: sidecarLanguage(s.name), sha256: s.sha256, size: s.size }));
    const unrecorded = sidecars.filter((s) => s.state !== 'submitted');
    await recordSubmitted(ctx, ingest, ingest.state === 'submitted', unrecorded, jobId, captions);
  }
  // The job exists and its input bytes are verified: only now do the files leave `.processing/`, the sidecars first.
  const changes: IngestChange[] = [];
  for (const s of sidecars) {
    const from = join(ctx.processing, s.name);
    if (!(await lstatOrNone(from))) {
      ctx.logger.warn({ folder: ctx.root, name: s.name, ingestId: s.id }, 'watch folder: a sidecar is no longer in .processing/; not moved');
      continue;
    }
    const movedTo = join(ctx.done, await moveInto(from, ctx.done, s.name, s.id));
    changes.push({
      id: s.id,
      patch: { state: 'done', jobId, errorCode: null, errorMessage: null },
      type: 'ingest.done',
      payload: { name: s.name, jobId, movedTo, sidecarOf: ingest.name },
    });
  }
  const movedTo = join(ctx.done, await moveInto(claimed, ctx.done, ingest.name, ingest.id));
  changes.push({
    id: ingest.id,
    patch: { state: 'done', jobId, errorCode: null, errorMessage: null },
    type: 'ingest.done',
    payload: { name: ingest.name, jobId, movedTo },
  });
  await recordIngests(ctx, changes);
  ctx.logger.info(
    { folder: ctx.root, name: ingest.name, ingestId: ingest.id, jobId, captions: sidecars.map((s) => s.name) },
    'watch folder: job submitted; file moved to done/',
  );
  return { outcome: 'done' };
}

/** `ingest.submitted` of the master (unless `masterRecorded`) and of `sidecars`, in one transaction. */
async function recordSubmitted(
  ctx: FolderContext,
  master: IngestRecord,
  masterRecorded: boolean,
  sidecars: readonly IngestRecord[],
  jobId: string,
  captions: readonly Record<string, unknown>[],
): Promise<void> {
  const changes: IngestChange[] = [];
  if (!masterRecorded)
    changes.push({
      id: master.id,
      patch: { state: 'submitted', jobId },
      type: 'ingest.submitted',
      payload: { name: master.name, jobId, ...(captions.length > 0 ? { captions } : {}) },
    });
  for (const s of sidecars) {
    const key = s.inputKey;
    changes.push({
      id: s.id,
      patch: { state: 'submitted', jobId },
      type: 'ingest.submitted',
      payload: { name: s.name, jobId, key, language: sidecarLanguage(s.name), sidecarOf: master.name },
    });
  }
  await recordIngests(ctx, changes);
}

import { constants, type Stats } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HashingStream, READ_CHUNK_BYTES } from '../storage/hashing-stream.js';
import type { IngestRecord } from '../store/ingests.js';
import { fingerprint, newIngestId, recordIngest, recordIngests, type FolderContext, type IngestChange } from './folder-context.js';
import { moveInto, moveToFreeName, lstatOrNone, writeErrorFile } from './file-moves.js';
import { failureOf, ingestError } from './ingest-errors.js';
import { ingestNameProblem, shownName } from './ingest-name.js';
import { sidecarKeyOf, sidecarLanguage } from './sidecars.js';

/** Why a step stopped early without a verdict: the service is stopping (the file stays in `.processing/`). */
class Stopping extends Error {}

const idempotencyKey = (ingestId: string) => `ingest:${ingestId}`;

/** The input-bucket key of an ingest: one key segment, unique per ingest. */
export const inputKeyOf = (ingest: Pick<IngestRecord, 'id' | 'name'>) => `${ingest.id}-${ingest.name}`;

/** A file judged stable: its record and the stats it was judged on. */
export interface StableFile {
  ingest: IngestRecord;
  stats: Stats;
}

/**
 * Claims a stable file: an atomic rename of `<root>/<name>` into `<root>/.processing/<name>`
 * (same filesystem), after checking it is still exactly the file judged stable. Its caption
 * sidecars (judged stable too) are claimed with it, before it: a master in `.processing/`
 * always has its sidecars there. Returns why it was not claimed otherwise (changed, its own
 * or a sidecar's: try later; vanished: recorded as failed; busy).
 */
export async function claimFile(
  ctx: FolderContext,
  ingest: IngestRecord,
  stable: Stats,
  sidecars: readonly StableFile[] = [],
): Promise<'claimed' | 'changed' | 'vanished' | 'busy'> {
  const source = join(ctx.root, ingest.name);
  const claimed = join(ctx.processing, ingest.name);
  // An earlier file of one of these names is still being processed.
  for (const name of [ingest.name, ...sidecars.map((s) => s.ingest.name)]) if (await lstatOrNone(join(ctx.processing, name))) return 'busy';
  const now = await lstatOrNone(source);
  if (!now) {
    await vanished(ctx, ingest, 'removed before it could be claimed');
    return 'vanished';
  }
  if (fingerprint(now) !== fingerprint(stable) || !now.isFile() || now.nlink !== 1) return 'changed';
  const sizes: number[] = [];
  for (const s of sidecars) {
    const st = await lstatOrNone(join(ctx.root, s.ingest.name));
    if (!st || fingerprint(st) !== fingerprint(s.stats) || !st.isFile() || st.nlink !== 1) return 'changed'; // the next pass sees what became of it
    sizes.push(st.size);
  }
  const moved: string[] = [];
  try {
    for (const s of sidecars) {
      await rename(join(ctx.root, s.ingest.name), join(ctx.processing, s.ingest.name));
      moved.push(s.ingest.name);
    }
    await rename(source, claimed);
  } catch (err) {
    await putBack(ctx, moved);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (await lstatOrNone(source)) return 'changed'; // a sidecar went away: the next pass records it
      await vanished(ctx, ingest, 'removed while it was being claimed');
      return 'vanished';
    }
    throw err;
  }
  const captions = sidecars.map((s) => s.ingest.name);
  await recordIngests(ctx, [
    {
      id: ingest.id,
      patch: { state: 'claimed', size: now.size },
      type: 'ingest.claimed',
      payload: { name: ingest.name, path: claimed, size: now.size, ...(captions.length > 0 ? { captions } : {}) },
    },
    // A sidecar's key (`<master's ingest id>-<name>`) is set now: it ties it to its master across a restart.
    ...sidecars.map((s, i): IngestChange => ({
      id: s.ingest.id,
      patch: { state: 'claimed', size: sizes[i]!, inputKey: sidecarKeyOf(ingest, s.ingest.name) },
      type: 'ingest.claimed',
      payload: { name: s.ingest.name, path: join(ctx.processing, s.ingest.name), size: sizes[i]!, sidecarOf: ingest.name, masterIngestId: ingest.id },
    })),
  ]);
  ctx.logger.info({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, size: now.size, captions }, 'watch folder: file claimed');
  return 'claimed';
}

/** Sidecars renamed into `.processing/` for a claim that did not happen go back where they were (never replacing a file dropped since). */
async function putBack(ctx: FolderContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const back = await moveToFreeName(join(ctx.processing, name), join(ctx.root, name)).catch((err: unknown) => {
      ctx.logger.error({ err, folder: ctx.root, name }, 'watch folder: could not put a sidecar back');
      return true;
    });
    if (!back)
      ctx.logger.error(
        { folder: ctx.root, name },
        'watch folder: a sidecar could not go back to the folder (a file of that name was dropped since); it stays in .processing/ until the next start',
      );
  }
}

async function vanished(ctx: FolderContext, ingest: IngestRecord, why: string): Promise<void> {
  const error = ingestError('INGEST_SOURCE_VANISHED', `${shownName(ingest.name)} was ${why}; nothing was stored`);
  ctx.logger.warn({ folder: ctx.root, name: ingest.name, ingestId: ingest.id }, error.message);
  await recordIngest(ctx, ingest.id, { state: 'failed', errorCode: error.code, errorMessage: error.message }, 'ingest.failed', {
    name: ingest.name,
    code: error.code,
    message: error.message,
  });
}

/** A sidecar stored with its master: what the submission and the records name. */
interface StoredCaption {
  ingest: IngestRecord;
  key: string;
  sha256: string;
  size: number;
  language: string | null;
}

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

/**
 * The earlier ingest this one repeats, or undefined: the earliest ingest of the same name and
 * content that has a job, when that job was submitted with the same sidecars (names and
 * content; none for none) — its `ingest.submitted` names them.
 */
async function duplicateOf(ctx: FolderContext, ingest: IngestRecord, sha256: string, captions: readonly StoredCaption[]): Promise<IngestRecord | undefined> {
  const earlier = await ctx.store.ingests.submittedWith(ctx.root, ingest.name, sha256);
  if (!earlier?.jobId) return undefined;
  const events = await ctx.store.audit.list({ jobId: earlier.jobId, type: 'ingest.submitted', limit: 1000 });
  const submitted = events.find((e) => (e.payload as { ingestId?: unknown }).ingestId === earlier.id);
  const before = ((submitted?.payload as { captions?: Array<{ name?: unknown; sha256?: unknown }> } | undefined)?.captions ?? []).map(
    (c) => `${String(c.name)}|${String(c.sha256)}`,
  );
  const now = captions.map((c) => `${c.ingest.name}|${c.sha256}`);
  return before.length === now.length && before.sort().join('\n') === now.sort().join('\n') ? earlier : undefined;
}

/**
 * A temporary failure (the object store is unreachable, no encoder image is imported yet)
 * keeps the files in `.processing/` and is retried: after `retrySeconds`, doubling up to
 * 5 minutes, for `retryAttempts` attempts in all; then they go to `failed/`.
 */
const TEMPORARY_FAILURES = new Set(['STORAGE_UNAVAILABLE', 'NO_ENCODER_IMAGE']);
const RETRY_DELAY_CAP_MS = 5 * 60_000;

export type ClaimedOutcome = { outcome: 'done' | 'failed' | 'stopped' } | { outcome: 'retry'; attempt: number; delayMs: number };

async function scheduleRetry(
  ctx: FolderContext,
  ingest: IngestRecord,
  sidecars: readonly IngestRecord[],
  failure: { code: string; message: string },
  attempt: number,
): Promise<ClaimedOutcome> {
  const delayMs = Math.min(RETRY_DELAY_CAP_MS, ctx.folder.retrySeconds * 1000 * 2 ** (attempt - 1));
  // Stored copies are stored again by the next attempt: remove them (best effort; the store may be the problem).
  for (const key of [inputKeyOf(ingest), ...sidecars.map((s) => sidecarKeyOf(ingest, s.name))])
    await ctx.objects.delete('input', key, { allVersions: true }).catch(() => undefined);
  const payload = { code: failure.code, message: failure.message, attempt, of: ctx.folder.retryAttempts, retryInSeconds: delayMs / 1000 };
  const patch = { state: 'claimed', errorCode: failure.code, errorMessage: failure.message } as const;
  await recordIngests(ctx, [
    { id: ingest.id, patch, type: 'ingest.retry_scheduled', payload: { name: ingest.name, ...payload } },
    ...sidecars.map((s): IngestChange => ({ id: s.id, patch, type: 'ingest.retry_scheduled', payload: { name: s.name, sidecarOf: ingest.name, ...payload } })),
  ]);
  ctx.logger.warn(
    { folder: ctx.root, name: ingest.name, ingestId: ingest.id, code: failure.code, attempt, retryInSeconds: delayMs / 1000 },
    `watch folder: temporary failure (${failure.message}); the file stays in .processing/ and is tried again`,
  );
  return { outcome: 'retry', attempt, delayMs };
}

/** Streams a claimed file into the input bucket under `key` and checks the stored object against the bytes read. */
async function storeVerified(
  ctx: FolderContext,
  ingest: IngestRecord,
  claimed: string,
  key: string,
  extra: Record<string, unknown> = {},
): Promise<{ key: string; sha256: string; size: number }> {
  // O_NOFOLLOW: a symlink swapped in after the claim is refused, never read through.
  const fh = await open(claimed, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw ingestError('INGEST_SOURCE_VANISHED', `${shownName(ingest.name)} disappeared from .processing/ before it was stored`, err);
    if (err.code === 'ELOOP') throw ingestError('INGEST_SYMLINK', `${shownName(ingest.name)} in .processing/ is a symbolic link; not followed`, err);
    throw err;
  });
  try {
    const before = await fh.stat();
    if (!before.isFile()) throw ingestError('INGEST_NOT_A_FILE', `${shownName(ingest.name)} is not a regular file`);
    if (before.nlink !== 1) throw ingestError('INGEST_HARD_LINK', `${shownName(ingest.name)} has ${before.nlink} hard links; refused`);
    await ctx.store.change(async (tx) => {
      await tx.audit({
        type: 'ingest.storing',
        actor: ctx.actor,
        payload: { ingestId: ingest.id, folder: ctx.root, name: ingest.name, key, size: before.size, ...extra },
      });
    });
    const hashing = new HashingStream();
    const source = fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false, start: 0 });
    const abort = () => source.destroy(new Stopping());
    ctx.signal.addEventListener('abort', abort, { once: true });
    source.on('error', (err) => hashing.destroy(err));
    // The put reports a read error (it consumes `hashing`); after it, late errors have no reader.
    hashing.on('error', () => undefined);
    let put;
    try {
      put = await ctx.objects.put('input', key, source.pipe(hashing));
    } catch (err) {
      source.destroy(); // stop reading (this also closes the handle)
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', abort);
    }
    if (ctx.signal.aborted) throw new Stopping();
    const after = await fh.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || hashing.digest.size !== before.size) {
      await ctx.objects.delete('input', key, { allVersions: true });
      throw ingestError(
        'INGEST_SOURCE_CHANGED',
        `${shownName(ingest.name)} changed while it was being stored (${before.size} → ${after.size} bytes); nothing kept`,
      );
    }
    const read = { sha256: hashing.digest.sha256, size: hashing.digest.size };
    const info = await ctx.objects.stat('input', key);
    if (put.sha256 !== read.sha256 || put.size !== read.size || info.size !== read.size || (info.sha256 !== undefined && info.sha256 !== read.sha256)) {
      throw ingestError(
        'INGEST_VERIFY_FAILED',
        `input ${key}: the stored object (${info.size} bytes, sha256 ${info.sha256 ?? 'unknown'}) differs from the file read (${read.size} bytes, sha256 ${read.sha256})`,
      );
    }
    await recordIngest(ctx, ingest.id, { sha256: read.sha256, size: read.size, inputKey: key }, 'ingest.stored', {
      name: ingest.name,
      key,
      sha256: read.sha256,
      size: read.size,
      ...extra,
    });
    return { key, ...read };
  } finally {
    await fh.close().catch(() => undefined); // already closed when the read was stopped
  }
}

/**
 * Moves a failed file (claimed, or a sidecar without its master) from `from` into `failed/`
 * with `<name>.error.json` beside it. Never deletes it; a file that cannot be moved stays
 * where it is (logged). Returns where they went (null: not moved).
 */
export async function moveToFailed(
  ctx: FolderContext,
  ingest: IngestRecord,
  from: string,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Promise<{ movedTo: string | null; errorFile: string | null }> {
  const at = (ctx.now?.() ?? new Date()).toISOString();
  try {
    if (!(await lstatOrNone(from))) return { movedTo: null, errorFile: null };
    const name = await moveInto(from, ctx.failed, ingest.name, ingest.id);
    const movedTo = join(ctx.failed, name);
    const body = { code, message, at, name: ingest.name, folder: ctx.root, ingestId: ingest.id, file: movedTo, ...extra };
    return { movedTo, errorFile: join(ctx.failed, await writeErrorFile(ctx.failed, name, ingest.id, body)) };
  } catch (moveErr) {
    ctx.logger.error({ err: moveErr, folder: ctx.root, name: ingest.name }, `watch folder: could not move a failed file to failed/; it stays in ${from}`);
    return { movedTo: null, errorFile: null };
  }
}

/** Moves the claimed file and its sidecars (first) to `failed/`, each with its `<name>.error.json`, and records why. Never deletes them. */
async function failClaimed(ctx: FolderContext, ingest: IngestRecord, sidecars: readonly IngestRecord[], err: unknown): Promise<void> {
  const { code, message } = failureOf(err);
  const patch = { state: 'failed', errorCode: code, errorMessage: message } as const;
  const changes: IngestChange[] = [];
  for (const s of sidecars) {
    const moved = await moveToFailed(ctx, s, join(ctx.processing, s.name), code, message, { sidecarOf: ingest.name });
    changes.push({ id: s.id, patch, type: 'ingest.failed', payload: { name: s.name, code, message, ...moved, sidecarOf: ingest.name } });
  }
  const captions = sidecars.map((s) => s.name);
  const moved = await moveToFailed(ctx, ingest, join(ctx.processing, ingest.name), code, message, captions.length > 0 ? { captions } : {});
  changes.push({ id: ingest.id, patch, type: 'ingest.failed', payload: { name: ingest.name, code, message, ...moved } });
  ctx.logger.warn({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, code, message, movedTo: moved.movedTo, captions }, 'watch folder: ingest failed');
  await recordIngests(ctx, changes);
}

/**
 * Refuses a file in place (a symlink, a hard link, a bad name, not a regular file): it is
 * never read, moved or followed. Recorded once per (name, fingerprint), with an error file in
 * `failed/` (`<name>.error.json`, or `<ingest id>.error.json` when the name itself is bad).
 */
export async function refuseInPlace(
  ctx: FolderContext,
  name: string,
  st: Stats,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Promise<boolean> {
  const fp = fingerprint(st);
  if (await ctx.store.ingests.byFingerprint(ctx.root, name, fp)) return false;
  const id = newIngestId();
  const at = (ctx.now?.() ?? new Date()).toISOString();
  let errorFile: string | null = null;
  try {
    const fileName = ingestNameProblem(name) === undefined ? name : id;
    errorFile = join(
      ctx.failed,
      await writeErrorFile(ctx.failed, fileName, id, {
        code,
        message,
        at,
        name,
        folder: ctx.root,
        ingestId: id,
        file: join(ctx.root, name),
        refusedInPlace: true,
        ...extra,
      }),
    );
  } catch (err) {
    ctx.logger.error({ err, folder: ctx.root }, 'watch folder: could not write the error file of a refused file');
  }
  await ctx.store.change(async (tx) => {
    await tx.ingests.insert({ id, folder: ctx.root, name, state: 'failed', fingerprint: fp, size: st.size, errorCode: code, errorMessage: message });
    await tx.audit({
      type: 'ingest.refused',
      actor: ctx.actor,
      payload: { ingestId: id, folder: ctx.root, name, path: join(ctx.root, name), code, message, errorFile, ...extra },
    });
  });
  ctx.logger.warn({ folder: ctx.root, name, ingestId: id, code }, `watch folder: refused in place: ${message}`);
  return true;
}

import { constants, type Stats } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HashingStream, READ_CHUNK_BYTES } from '../storage/hashing-stream.js';
import type { IngestRecord } from '../store/ingests.js';
import { fingerprint, newIngestId, recordIngest, type FolderContext } from './folder-context.js';
import { moveInto, lstatOrNone, writeErrorFile } from './file-moves.js';
import { failureOf, ingestError } from './ingest-errors.js';
import { ingestNameProblem, shownName } from './ingest-name.js';

/** Why a step stopped early without a verdict: the service is stopping (the file stays in `.processing/`). */
class Stopping extends Error {}

const idempotencyKey = (ingestId: string) => `ingest:${ingestId}`;

/** The input-bucket key of an ingest: one key segment, unique per ingest. */
export const inputKeyOf = (ingest: Pick<IngestRecord, 'id' | 'name'>) => `${ingest.id}-${ingest.name}`;

/**
 * Claims a stable file: an atomic rename of `<root>/<name>` into `<root>/.processing/<name>`
 * (same filesystem), after checking it is still exactly the file judged stable. Returns false
 * when it was not claimed (changed: try later; vanished: recorded as failed; busy).
 */
export async function claimFile(ctx: FolderContext, ingest: IngestRecord, stable: Stats): Promise<'claimed' | 'changed' | 'vanished' | 'busy'> {
  const source = join(ctx.root, ingest.name);
  const claimed = join(ctx.processing, ingest.name);
  if (await lstatOrNone(claimed)) return 'busy'; // an earlier file of this name is still being processed
  const now = await lstatOrNone(source);
  if (!now) {
    await vanished(ctx, ingest, 'removed before it could be claimed');
    return 'vanished';
  }
  if (fingerprint(now) !== fingerprint(stable) || !now.isFile() || now.nlink !== 1) return 'changed';
  try {
    await rename(source, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      await vanished(ctx, ingest, 'removed while it was being claimed');
      return 'vanished';
    }
    throw err;
  }
  await recordIngest(ctx, ingest.id, { state: 'claimed', size: now.size }, 'ingest.claimed', { name: ingest.name, path: claimed, size: now.size });
  ctx.logger.info({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, size: now.size }, 'watch folder: file claimed');
  return 'claimed';
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

/**
 * Stores a claimed file (`.processing/<name>`) into the input bucket, hashing on the way,
 * verifies the stored bytes, submits the job (idempotent: the ingest id is the
 * Idempotency-Key) and moves the file to `done/`. Any failure moves it to `failed/` with
 * `<name>.error.json`; a stop leaves it in `.processing/` for the next start. Used for a
 * fresh claim and to resume one found at start.
 */
export async function processClaimed(ctx: FolderContext, ingest: IngestRecord, attempt = 1): Promise<ClaimedOutcome> {
  const claimed = join(ctx.processing, ingest.name);
  let jobId = ingest.jobId ?? (await ctx.store.jobs.byIdempotencyKey(idempotencyKey(ingest.id)))?.id ?? null;
  try {
    if (!jobId) {
      const stored = await storeVerified(ctx, ingest, claimed);
      const earlier = await ctx.store.ingests.submittedWith(ctx.root, ingest.name, stored.sha256);
      if (earlier) {
        await ctx.objects.delete('input', stored.key, { allVersions: true });
        const movedTo = await moveInto(claimed, ctx.done, ingest.name, ingest.id);
        await recordIngest(ctx, ingest.id, { state: 'done', jobId: earlier.jobId, inputKey: null }, 'ingest.duplicate', {
          name: ingest.name,
          sha256: stored.sha256,
          size: stored.size,
          duplicateOf: earlier.id,
          movedTo: join(ctx.done, movedTo),
        });
        ctx.logger.info(
          { folder: ctx.root, name: ingest.name, duplicateOf: earlier.id, jobId: earlier.jobId },
          'watch folder: same name and content already submitted; not submitted again',
        );
        return { outcome: 'done' };
      }
      if (ctx.signal.aborted) throw new Stopping();
      const { job } = await ctx.runtime.submit(
        {
          input: { key: stored.key },
          ladder: ctx.folder.ladder,
          packaging: ctx.folder.packaging,
          ...(ctx.folder.encoder ? { encoder: ctx.folder.encoder } : {}),
          ...(ctx.folder.policy ? { policy: ctx.folder.policy } : {}),
        },
        { actor: ctx.actor, idempotencyKey: idempotencyKey(ingest.id) },
      );
      jobId = job.id;
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
    if (TEMPORARY_FAILURES.has(failure.code) && attempt < ctx.folder.retryAttempts) return scheduleRetry(ctx, ingest, failure, attempt);
    await failClaimed(ctx, ingest, claimed, err);
    return { outcome: 'failed' };
  }
  if (ingest.state !== 'submitted') {
    await recordIngest(ctx, ingest.id, { state: 'submitted', jobId }, 'ingest.submitted', { name: ingest.name, jobId });
  }
  // The job exists and its input bytes are verified: only now does the file leave `.processing/`.
  const movedTo = await moveInto(claimed, ctx.done, ingest.name, ingest.id);
  await recordIngest(ctx, ingest.id, { state: 'done', jobId, errorCode: null, errorMessage: null }, 'ingest.done', {
    name: ingest.name,
    jobId,
    movedTo: join(ctx.done, movedTo),
  });
  ctx.logger.info({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, jobId }, 'watch folder: job submitted; file moved to done/');
  return { outcome: 'done' };
}

/**
 * A temporary failure (the object store is unreachable, no encoder image is imported yet)
 * keeps the file in `.processing/` and is retried: after `retrySeconds`, doubling up to
 * 5 minutes, for `retryAttempts` attempts in all; then the file goes to `failed/`.
 */
const TEMPORARY_FAILURES = new Set(['STORAGE_UNAVAILABLE', 'NO_ENCODER_IMAGE']);
const RETRY_DELAY_CAP_MS = 5 * 60_000;

export type ClaimedOutcome = { outcome: 'done' | 'failed' | 'stopped' } | { outcome: 'retry'; attempt: number; delayMs: number };

async function scheduleRetry(ctx: FolderContext, ingest: IngestRecord, failure: { code: string; message: string }, attempt: number): Promise<ClaimedOutcome> {
  const delayMs = Math.min(RETRY_DELAY_CAP_MS, ctx.folder.retrySeconds * 1000 * 2 ** (attempt - 1));
  // A stored copy is stored again by the next attempt: remove it (best effort; the store may be the problem).
  await ctx.objects.delete('input', inputKeyOf(ingest), { allVersions: true }).catch(() => undefined);
  await recordIngest(ctx, ingest.id, { state: 'claimed', errorCode: failure.code, errorMessage: failure.message }, 'ingest.retry_scheduled', {
    name: ingest.name,
    code: failure.code,
    message: failure.message,
    attempt,
    of: ctx.folder.retryAttempts,
    retryInSeconds: delayMs / 1000,
  });
  ctx.logger.warn(
    { folder: ctx.root, name: ingest.name, ingestId: ingest.id, code: failure.code, attempt, retryInSeconds: delayMs / 1000 },
    `watch folder: temporary failure (${failure.message}); the file stays in .processing/ and is tried again`,
  );
  return { outcome: 'retry', attempt, delayMs };
}

/** Streams the claimed file into the input bucket and checks the stored object against the bytes read. */
async function storeVerified(ctx: FolderContext, ingest: IngestRecord, claimed: string): Promise<{ key: string; sha256: string; size: number }> {
  const key = inputKeyOf(ingest);
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
        payload: { ingestId: ingest.id, folder: ctx.root, name: ingest.name, key, size: before.size },
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
    });
    return { key, ...read };
  } finally {
    await fh.close().catch(() => undefined); // already closed when the read was stopped
  }
}

/** Moves the claimed file to `failed/` with `<name>.error.json` beside it, and records why. Never deletes it. */
async function failClaimed(ctx: FolderContext, ingest: IngestRecord, claimed: string, err: unknown): Promise<void> {
  const { code, message } = failureOf(err);
  const at = (ctx.now?.() ?? new Date()).toISOString();
  let movedTo: string | null = null;
  let errorFile: string | null = null;
  try {
    if (await lstatOrNone(claimed)) {
      const name = await moveInto(claimed, ctx.failed, ingest.name, ingest.id);
      movedTo = join(ctx.failed, name);
      errorFile = join(
        ctx.failed,
        await writeErrorFile(ctx.failed, name, ingest.id, { code, message, at, name: ingest.name, folder: ctx.root, ingestId: ingest.id, file: movedTo }),
      );
    }
  } catch (moveErr) {
    ctx.logger.error({ err: moveErr, folder: ctx.root, name: ingest.name }, 'watch folder: could not move a failed file to failed/; it stays in .processing/');
  }
  ctx.logger.warn({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, code, message, movedTo }, 'watch folder: ingest failed');
  await recordIngest(ctx, ingest.id, { state: 'failed', errorCode: code, errorMessage: message }, 'ingest.failed', {
    name: ingest.name,
    code,
    message,
    movedTo,
    errorFile,
  });
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

import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { IngestRecord } from '../store/ingests.js';
import { fingerprint, newIngestId, recordIngests, type FolderContext, type IngestChange } from './folder-context.js';
import { moveInto, lstatOrNone, writeErrorFile } from './file-moves.js';
import { failureOf } from './ingest-errors.js';
import { ingestNameProblem } from './ingest-name.js';

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
export async function failClaimed(ctx: FolderContext, ingest: IngestRecord, sidecars: readonly IngestRecord[], err: unknown): Promise<void> {
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

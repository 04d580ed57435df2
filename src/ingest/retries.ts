import type { IngestRecord } from '../store/ingests.js';
import { recordIngests, type FolderContext, type IngestChange } from './folder-context.js';
import { sidecarKeyOf } from './sidecars.js';
import { inputKeyOf } from './storing.js';

/**
 * A temporary failure (the object store is unreachable, no encoder image is imported yet)
 * keeps the files in `.processing/` and is retried: after `retrySeconds`, doubling up to
 * 5 minutes, for `retryAttempts` attempts in all; then they go to `failed/`.
 */
export const TEMPORARY_FAILURES = new Set(['STORAGE_UNAVAILABLE', 'NO_ENCODER_IMAGE']);
const RETRY_DELAY_CAP_MS = 5 * 60_000;

export type ClaimedOutcome = { outcome: 'done' | 'failed' | 'stopped' } | { outcome: 'retry'; attempt: number; delayMs: number };

export async function scheduleRetry(
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

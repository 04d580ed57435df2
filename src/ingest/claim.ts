import type { Stats } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestRecord } from '../store/ingests.js';
import { fingerprint, recordIngest, recordIngests, type FolderContext, type IngestChange } from './folder-context.js';
import { lstatOrNone, moveToFreeName } from './file-moves.js';
import { ingestError } from './ingest-errors.js';
import { shownName } from './ingest-name.js';
import { sidecarKeyOf } from './sidecars.js';

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

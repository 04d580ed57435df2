import type { Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestRecord } from '../store/ingests.js';
import type { Candidate } from './candidates.js';
import { refuseInPlace } from './failures.js';
import { fingerprint, newIngestId, recordIngest, type FolderContext } from './folder-context.js';
import { ingestNameProblem, shownName } from './ingest-name.js';
import { isCaptionName } from './sidecars.js';

export async function detect(ctx: FolderContext, name: string, st: Stats): Promise<IngestRecord> {
  const id = newIngestId();
  const path = join(ctx.root, name);
  await ctx.store.change(async (tx) => {
    await tx.ingests.insert({ id, folder: ctx.root, name, state: 'detected', fingerprint: fingerprint(st), size: st.size });
    const caption = isCaptionName(name) ? { caption: true } : {};
    await tx.audit({
      type: 'ingest.detected',
      actor: ctx.actor,
      payload: { ingestId: id, folder: ctx.root, name, path, size: st.size, ...caption },
    });
  });
  ctx.logger.info({ folder: ctx.root, name, ingestId: id, size: st.size }, 'watch folder: file detected');
  return (await ctx.store.ingests.get(id))!;
}

export async function refuse(ctx: FolderContext, refused: Set<string>, name: string, st: Stats): Promise<void> {
  const memo = `${name}|${fingerprint(st)}`;
  if (refused.has(memo)) return;
  refused.add(memo);
  const nameProblem = ingestNameProblem(name);
  if (nameProblem !== undefined) {
    await refuseInPlace(ctx, name, st, 'INGEST_NAME_INVALID', `file name ${shownName(name)} ${nameProblem}; refused, left in place`);
  } else if (st.isSymbolicLink()) {
    const target = await readlink(join(ctx.root, name)).catch(() => null);
    await refuseInPlace(ctx, name, st, 'INGEST_SYMLINK', `${shownName(name)} is a symbolic link; never followed, left in place`, { linkTarget: target });
  } else if (!st.isFile()) {
    await refuseInPlace(ctx, name, st, 'INGEST_NOT_A_FILE', `${shownName(name)} is not a regular file; left in place`);
  } else {
    await refuseInPlace(
      ctx,
      name,
      st,
      'INGEST_HARD_LINK',
      `${shownName(name)} has ${st.nlink} hard links (it may be another file's contents); refused, left in place`,
      { nlink: st.nlink },
    );
  }
}

/** A detected file that went away before it was taken: recorded, nothing else to do. */
export async function gone(ctx: FolderContext, candidates: Map<string, Candidate>, c: Candidate, why: string): Promise<void> {
  candidates.delete(c.ingest.name);
  const message = `${shownName(c.ingest.name)} was ${why}; nothing was stored`;
  ctx.logger.info({ folder: ctx.root, name: c.ingest.name, ingestId: c.ingest.id }, `watch folder: ${message}`);
  await recordIngest(ctx, c.ingest.id, { state: 'failed', errorCode: 'INGEST_SOURCE_VANISHED', errorMessage: message }, 'ingest.failed', {
    name: c.ingest.name,
    code: 'INGEST_SOURCE_VANISHED',
    message,
  });
}

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { HashingStream, READ_CHUNK_BYTES } from '../storage/hashing-stream.js';
import type { IngestRecord } from '../store/ingests.js';
import { recordIngest, type FolderContext } from './folder-context.js';
import { ingestError } from './ingest-errors.js';
import { shownName } from './ingest-name.js';

/** Why a step stopped early without a verdict: the service is stopping (the file stays in `.processing/`). */
export class Stopping extends Error {}

/** The input-bucket key of an ingest: one key segment, unique per ingest. */
export const inputKeyOf = (ingest: Pick<IngestRecord, 'id' | 'name'>) => `${ingest.id}-${ingest.name}`;

/** Streams a claimed file into the input bucket under `key` and checks the stored object against the bytes read. */
export async function storeVerified(
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

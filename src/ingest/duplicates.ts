import type { IngestRecord } from '../store/ingests.js';
import type { FolderContext } from './folder-context.js';

/** A sidecar stored with its master: what the submission and the records name. */
export interface StoredCaption {
  ingest: IngestRecord;
  key: string;
  sha256: string;
  size: number;
  language: string | null;
}

/**
 * The earlier ingest this one repeats, or undefined: the earliest ingest of the same name and
 * content that has a job, when that job was submitted with the same sidecars (names and
 * content; none for none) — its `ingest.submitted` names them.
 */
export async function duplicateOf(
  ctx: FolderContext,
  ingest: IngestRecord,
  sha256: string,
  captions: readonly StoredCaption[],
): Promise<IngestRecord | undefined> {
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

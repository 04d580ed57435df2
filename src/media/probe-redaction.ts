import { createHash } from 'node:crypto';

/** Tags kept as they are: technical, needed to choose streams, never a title or a note. */
const KEPT_TAGS = new Set(['language']);

const redactTags = (tags: unknown): unknown => {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) return tags;
  return Object.fromEntries(
    Object.entries(tags as Record<string, unknown>).map(([k, v]) => [
      k,
      KEPT_TAGS.has(k.toLowerCase()) || typeof v !== 'string' ? v : `sha256:${createHash('sha256').update(v, 'utf8').digest('hex')}`,
    ]),
  );
};

/**
 * ffprobe's document with the free-text tag values of the container, its streams and chapters
 * (title, comment, encoder, …) replaced by `sha256:<hex>` of the value: the audit trail sits in
 * a database that is not encrypted, and a master's metadata can name unreleased content. An
 * auditor who knows a value can still check it; `language` is kept.
 */
export function redactProbeTags(probeJson: unknown): unknown {
  if (probeJson === null || typeof probeJson !== 'object') return probeJson;
  const doc = { ...(probeJson as Record<string, unknown>) };
  if (doc['format'] && typeof doc['format'] === 'object') {
    const format = doc['format'] as Record<string, unknown>;
    doc['format'] = { ...format, ...('tags' in format ? { tags: redactTags(format['tags']) } : {}) };
  }
  for (const list of ['streams', 'chapters'] as const) {
    if (Array.isArray(doc[list])) {
      doc[list] = (doc[list] as unknown[]).map((item) =>
        item && typeof item === 'object' && 'tags' in item
          ? { ...(item as Record<string, unknown>), tags: redactTags((item as { tags: unknown }).tags) }
          : item,
      );
    }
  }
  return doc;
}

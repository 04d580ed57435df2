import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// RFC 8785 (JCS) by one of its authors; its typings misdescribe its CommonJS export.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

/**
 * The audit hash chain (docs/audit-chain.md gives the byte recipe for auditors):
 *   hash = sha256_hex( prev_hash_hex || JCS({actor, at, job_id, payload, seq, type}) )
 * where JCS is RFC 8785 canonical JSON (sorted keys, no whitespace) in UTF-8, and the
 * first event's prev_hash is 64 zeros.
 */

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  seq: number;
  at: string;
  actor: string;
  job_id: string | null;
  type: string;
  payload: unknown;
}

export interface StoredEvent extends ChainedFields {
  prev_hash: string;
  hash: string;
}

/**
 * The exact canonical text that is hashed (also each line of an export's events.jsonl).
 * Keys in JCS order (actor, at, job_id, payload, seq, type); JCS serialises strings and
 * integers exactly as JSON.stringify does, so only the payload needs the full canonicaliser.
 */
export function canonicalEvent(e: ChainedFields, payloadText: string = canonicalJson(e.payload)): string {
  if (!Number.isSafeInteger(e.seq)) throw new TypeError('audit seq must be an integer');
  return `{"actor":${JSON.stringify(e.actor)},"at":${JSON.stringify(e.at)},"job_id":${e.job_id === null ? 'null' : JSON.stringify(e.job_id)},"payload":${payloadText},"seq":${e.seq},"type":${JSON.stringify(e.type)}}`;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value is not serialisable as JSON');
  return text;
}

export function chainHash(prevHash: string, e: ChainedFields, payloadText?: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalEvent(e, payloadText), 'utf8').digest('hex');
}

export type ChainVerdict =
  { ok: true; events: number; head: { seq: number; hash: string } | null } | { ok: false; events: number; badSeq: number; reason: string };

/**
 * Walks stored events in seq order (streamed: memory stays flat) and recomputes the chain.
 * `anchor` is the hash before the first event (genesis for a whole chain).
 */
export async function verifyChain(
  rows: Iterable<StoredEvent> | AsyncIterable<StoredEvent>,
  anchor: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): Promise<ChainVerdict> {
  let prev = anchor;
  let count = 0;
  for await (const row of rows) {
    count++;
    if (row.seq !== prev.seq + 1) {
      return { ok: false, events: count, badSeq: prev.seq + 1, reason: `event ${prev.seq + 1} is missing (next stored event is ${row.seq})` };
    }
    if (row.prev_hash !== prev.hash) {
      return { ok: false, events: count, badSeq: row.seq, reason: `prev_hash does not match the hash of event ${prev.seq}` };
    }
    const expected = chainHash(row.prev_hash, row);
    if (expected !== row.hash) {
      return { ok: false, events: count, badSeq: row.seq, reason: 'hash does not match the event contents (event altered)' };
    }
    prev = { seq: row.seq, hash: row.hash };
  }
  return { ok: true, events: count, head: prev.seq === anchor.seq && count === 0 ? null : prev };
}

/** The next event after `head` (null: the chain is empty), with its payload's canonical text as stored. */
export function nextEvent(
  head: { seq: number; hash: string } | null,
  input: { type: string; actor: string; jobId?: string | null; payload?: Record<string, unknown> },
  at: string,
): { event: StoredEvent; payloadText: string } {
  const fields = { seq: (head?.seq ?? 0) + 1, at, actor: input.actor, job_id: input.jobId ?? null, type: input.type, payload: input.payload ?? {} };
  const prev_hash = head?.hash ?? GENESIS_HASH;
  const payloadText = canonicalJson(fields.payload);
  return { event: { ...fields, prev_hash, hash: chainHash(prev_hash, fields, payloadText) }, payloadText };
}

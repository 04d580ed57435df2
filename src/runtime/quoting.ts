import { createHash } from 'node:crypto';
import { canonicalJson } from '../store/audit-chain.js';

/** A user's string in an error message: JSON-quoted, at most 120 characters. */
export const quoted = (s: string): string => JSON.stringify(s).slice(0, 120);

/** sha256 of a value's canonical JSON (RFC 8785): what the audit pins for requests and templates. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

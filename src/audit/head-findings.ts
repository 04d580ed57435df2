import { ApplianceError } from '../errors/appliance-error.js';

/**
 * What checking the chain against its signed heads can find (docs/error-codes.md, "Signed
 * chain heads"). Each finding carries a stable code; `mpegflow audit verify` prints one line
 * per finding and exits 1, and a finding at start makes /healthz degraded.
 */
export const HEAD_CODES = {
  /** The chain is shorter than a signed head: events were cut off its end. */
  chainTruncated: 'AUDIT_CHAIN_TRUNCATED',
  /** The chain's hash at a signed head's seq is not the signed one: history was rewritten. */
  chainMismatch: 'AUDIT_CHAIN_HEAD_MISMATCH',
  /** A head log's own chain fails: a record removed, added, reordered, edited or torn. */
  logBroken: 'AUDIT_HEAD_LOG_BROKEN',
  /** A line of a head log that is not a signed head record. */
  logMalformed: 'AUDIT_HEAD_LOG_MALFORMED',
  /** A head whose signature does not verify (its text or signature was edited). */
  signatureInvalid: 'AUDIT_HEAD_SIGNATURE_INVALID',
  /** A head signed by a key other than the audit key. */
  foreignKey: 'AUDIT_HEAD_FOREIGN_KEY',
} as const;

export type HeadCode = (typeof HEAD_CODES)[keyof typeof HEAD_CODES];

export interface HeadFinding {
  code: HeadCode;
  /** Where the head came from (a file path, `--heads FILE`, …). */
  source: string;
  /** One line, naming the source. */
  message: string;
  /** For AUDIT_CHAIN_TRUNCATED: the missing seqs; for AUDIT_CHAIN_HEAD_MISMATCH: the seq. */
  missing?: { from: number; to: number };
  seq?: number;
}

export function findingError(finding: HeadFinding): ApplianceError {
  return new ApplianceError(finding.code, finding.message, {
    details: { source: finding.source, ...(finding.missing ? { missing: finding.missing } : {}), ...(finding.seq !== undefined ? { seq: finding.seq } : {}) },
  });
}

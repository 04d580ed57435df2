import { createHash } from 'node:crypto';
import { canonicalJson } from '../store/audit-chain.js';

/**
 * A signed chain head (docs/audit-heads.md): one line of the head log,
 *
 *   TEXT <TAB> base64(detached binary OpenPGP signature over TEXT + LF) <LF>
 *
 * where TEXT is the RFC 8785 canonical JSON of the record below. `previous` is the sha256
 * of the whole previous line of the same log (its LF included; 64 zeros for the first), so
 * the log is itself a hash chain a reviewer checks with `sha256sum`, and its signatures with
 * `gpg --verify` alone.
 */

export const HEAD_FORMAT = 'mpegflow-audit-head/1';
export const NO_PREVIOUS_HEAD = '0'.repeat(64);

export type HeadReason = 'start' | 'interval' | 'stop';

export interface HeadRecord {
  format: typeof HEAD_FORMAT;
  /** Which head log this is (a new log, after one went missing, gets a new id). */
  log: string;
  /** 1, 2, 3, … within the log. */
  n: number;
  /** The audit chain head certified: its seq and hash. */
  seq: number;
  hash: string;
  /** When it was signed (the appliance's clock). */
  at: string;
  reason: HeadReason;
  /** sha256 of the previous line of this log (64 zeros for n = 1). */
  previous: string;
  /** The audit key's fingerprint. */
  key: string;
}

/** The bytes the signature covers: the canonical text and one LF. */
export function signedText(record: HeadRecord): string {
  return `${canonicalJson(record)}\n`;
}

export function headLine(record: HeadRecord, signature: Uint8Array): string {
  return `${canonicalJson(record)}\t${Buffer.from(signature).toString('base64')}\n`;
}

/** What the next record's `previous` names: the sha256 of this whole line (LF included). */
export function lineHash(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

export interface ParsedHeadLine {
  /** 1-based line number in its file. */
  lineNo: number;
  /** The whole line with its LF. */
  line: string;
  record: HeadRecord;
  text: string;
  signature: Uint8Array;
}

/** Parses one line (without its LF); a string says why it is not a head record. */
export function parseHeadLine(raw: string, lineNo: number): ParsedHeadLine | string {
  const tab = raw.indexOf('\t');
  if (tab < 0) return 'not "record TAB signature"';
  const text = raw.slice(0, tab);
  const sig = raw.slice(tab + 1);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) return 'the signature is not base64';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the record is not JSON';
  }
  const r = value as HeadRecord;
  const valid =
    typeof r === 'object' &&
    r !== null &&
    r.format === HEAD_FORMAT &&
    typeof r.log === 'string' &&
    Number.isSafeInteger(r.n) &&
    r.n >= 1 &&
    Number.isSafeInteger(r.seq) &&
    r.seq >= 0 &&
    typeof r.hash === 'string' &&
    HEX64.test(r.hash) &&
    typeof r.at === 'string' &&
    typeof r.previous === 'string' &&
    HEX64.test(r.previous) &&
    typeof r.key === 'string' &&
    ['start', 'interval', 'stop'].includes(r.reason);
  if (!valid) return `not a ${HEAD_FORMAT} record`;
  if (canonicalJson(r) !== text) return 'the record is not in canonical form';
  return { lineNo, line: `${raw}\n`, record: r, text, signature: Buffer.from(sig, 'base64') };
}

/** Splits a head log's text into lines; `torn` when the last one has no LF (a cut or torn write). */
export function splitHeadLog(text: string): { lines: string[]; torn: string | null } {
  const parts = text.split('\n');
  const last = parts.pop() ?? '';
  return { lines: parts, torn: last === '' ? null : last };
}

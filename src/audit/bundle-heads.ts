import type { PublicKey } from 'openpgp';
import type { ChainPoint } from './bundle-format.js';
import type { HeadFinding } from './head-findings.js';
import { HEAD_CODES } from './head-findings.js';
import { checkHeadSource, type CheckedHead } from './head-log-check.js';
import { parseHeadLine, splitHeadLog } from './head-record.js';

/** The head log's lines (verbatim) whose head lies on the bundle's events: anchor seq ≤ seq ≤ last seq. */
export function headsInRange(headLogText: string | null, anchor: ChainPoint, last: ChainPoint): { text: string; count: number } {
  if (headLogText === null) return { text: '', count: 0 };
  const picked = splitHeadLog(headLogText).lines.filter((raw, i) => {
    const parsed = parseHeadLine(raw, i + 1);
    return typeof parsed !== 'string' && parsed.record.seq >= Math.max(1, anchor.seq) && parsed.record.seq <= last.seq;
  });
  return { text: picked.map((l) => `${l}\n`).join(''), count: picked.length };
}

/** A bundle's heads.log: its own signatures and back-links, and the seqs the chain walk must report. */
export async function checkBundleHeads(
  text: string,
  trusted: PublicKey,
  range: { anchor: ChainPoint; last: ChainPoint },
): Promise<{ heads: CheckedHead[]; findings: HeadFinding[]; watch: number[] }> {
  const verdict = await checkHeadSource({ name: 'heads.log', text, whole: false, gapsAllowed: false }, trusted);
  const findings = [...verdict.findings];
  const heads: CheckedHead[] = [];
  for (const h of verdict.heads) {
    if (h.record.seq < range.anchor.seq || h.record.seq > range.last.seq)
      findings.push({
        code: HEAD_CODES.chainTruncated,
        source: 'heads.log',
        message: `heads.log line ${h.lineNo}: head ${h.record.n} certifies seq ${h.record.seq}, outside this bundle's events (seq ${range.anchor.seq}..${range.last.seq})`,
      });
    else heads.push(h);
  }
  return { heads, findings, watch: heads.map((h) => h.record.seq) };
}

/** After the walk: each head's hash against the hash the recipe gives at its seq. */
export function compareBundleHeads(heads: CheckedHead[], watched: Map<number, string>): HeadFinding[] {
  return heads
    .filter((h) => watched.get(h.record.seq) !== h.record.hash)
    .map((h) => ({
      code: HEAD_CODES.chainMismatch,
      source: 'heads.log',
      seq: h.record.seq,
      message: `heads.log line ${h.lineNo}: head ${h.record.n} certifies seq ${h.record.seq} ${h.record.hash}, but events.jsonl gives ${watched.get(h.record.seq) ?? '(nothing)'} there`,
    }));
}

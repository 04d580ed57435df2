import { HEAD_CODES, type HeadFinding } from './head-findings.js';
import type { CheckedHead } from './head-log-check.js';

/** What the check needs of a chain: its head and the stored hash at a seq. */
export interface ChainView {
  head: { seq: number; hash: string } | null;
  hashAt(seq: number): Promise<string | undefined> | string | undefined;
}

const describe = (h: CheckedHead) => `${h.source} line ${h.lineNo} (head ${h.record.n} of log ${h.record.log}, signed ${h.record.at})`;

/**
 * Compares the chain with every signed head: a head beyond the chain's end means events were
 * cut off (the missing seqs are named); a head whose hash differs from the chain's at its seq
 * means the chain was rewritten there or before.
 */
export async function checkHeadsAgainstChain(
  heads: CheckedHead[],
  chain: ChainView,
): Promise<{ findings: HeadFinding[]; distinct: number; newest: CheckedHead | null }> {
  const findings: HeadFinding[] = [];
  const bySeq = new Map<string, CheckedHead>();
  for (const h of heads) {
    const key = `${h.record.seq}:${h.record.hash}`;
    if (!bySeq.has(key)) bySeq.set(key, h);
  }
  const distinct = [...bySeq.values()].sort((a, b) => a.record.seq - b.record.seq);
  const end = chain.head?.seq ?? 0;
  const newest = distinct.at(-1) ?? null;
  if (newest && newest.record.seq > end) {
    const missing = { from: end + 1, to: newest.record.seq };
    findings.push({
      code: HEAD_CODES.chainTruncated,
      source: newest.source,
      missing,
      message: `the chain ends at seq ${end}, but ${describe(newest)} certifies seq ${newest.record.seq} ${newest.record.hash}: events seq ${missing.from}..${missing.to} are missing`,
    });
  }
  const reported = new Set<number>();
  for (const h of distinct) {
    const { seq, hash } = h.record;
    if (seq > end || seq === 0 || reported.has(seq)) continue;
    const actual = await chain.hashAt(seq);
    if (actual === hash) continue;
    reported.add(seq);
    findings.push({
      code: HEAD_CODES.chainMismatch,
      source: h.source,
      seq,
      message: `the chain's hash at seq ${seq} is ${actual ?? '(no such event)'}, but ${describe(h)} certifies ${hash}: the chain was rewritten at or before seq ${seq}`,
    });
  }
  return { findings, distinct: distinct.length, newest };
}

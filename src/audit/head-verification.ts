import type { PublicKey } from 'openpgp';
import type { BinarySignatureVerdict } from '../signing/binary-signatures.js';
import { checkHeadsAgainstChain, type ChainView } from './chain-heads-check.js';
import type { HeadFinding } from './head-findings.js';
import { checkHeadSource, type CheckedHead, type HeadSourceText } from './head-log-check.js';

export interface HeadsVerdict {
  ok: boolean;
  findings: HeadFinding[];
  /** Per source: how many lines it has and how many heads in it verify. */
  sources: Array<{ name: string; lines: number; heads: number }>;
  /** Distinct (seq, hash) heads checked against the chain. */
  distinct: number;
  newest: CheckedHead | null;
}

/** Checks every source's own integrity, then the chain against all the heads that verify. */
export async function verifyChainAgainstHeads(sources: HeadSourceText[], trusted: PublicKey, chain: ChainView): Promise<HeadsVerdict> {
  const findings: HeadFinding[] = [];
  const heads: CheckedHead[] = [];
  const summary: HeadsVerdict['sources'] = [];
  const verified = new Map<string, BinarySignatureVerdict>();
  for (const source of sources) {
    const verdict = await checkHeadSource(source, trusted, verified);
    findings.push(...verdict.findings);
    heads.push(...verdict.heads);
    summary.push({ name: source.name, lines: verdict.lines, heads: verdict.heads.length });
  }
  const against = await checkHeadsAgainstChain(heads, chain);
  // The chain's findings first: they say what was lost.
  const all = [...against.findings, ...findings];
  return { ok: all.length === 0, findings: all, sources: summary, distinct: against.distinct, newest: against.newest };
}

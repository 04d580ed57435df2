import type { PublicKey } from 'openpgp';
import { verifyDetachedBinary, type BinarySignatureVerdict } from '../signing/binary-signatures.js';
import { HEAD_CODES, type HeadFinding } from './head-findings.js';
import { lineHash, NO_PREVIOUS_HEAD, parseHeadLine, signedText, splitHeadLog, type HeadRecord, type ParsedHeadLine } from './head-record.js';

/** The text of one place signed heads were found, and how strictly its lines must link. */
export interface HeadSourceText {
  /** Shown in every finding: a path, `--heads FILE`, `bundle heads.log`. */
  name: string;
  text: string;
  /**
   * `whole`: a complete head log (the data dir's, a backup's copy): each log in it starts at
   * record 1. Otherwise an excerpt (a bundle's, an auditor's copy, the sink).
   * `gapsAllowed`: records may be missing between two (the sink, an auditor's collection);
   * two consecutive numbers must still link.
   */
  whole: boolean;
  gapsAllowed: boolean;
}

export interface CheckedHead {
  source: string;
  lineNo: number;
  record: HeadRecord;
}

export interface SourceVerdict {
  /** Heads whose signature verifies by the audit key (whatever else is wrong with the log). */
  heads: CheckedHead[];
  findings: HeadFinding[];
  lines: number;
}

/**
 * Checks one head log: every line is a record signed by the audit key, and each record's
 * `previous` is the sha256 of the line before it (numbers consecutive), so a removed,
 * inserted, reordered, edited or torn line is found.
 */
export async function checkHeadSource(
  source: HeadSourceText,
  trusted: PublicKey,
  /** Verdicts by line text: a backup's copy repeats most of the log, each line is verified once. */
  verified: Map<string, BinarySignatureVerdict> = new Map(),
): Promise<SourceVerdict> {
  const findings: HeadFinding[] = [];
  const heads: CheckedHead[] = [];
  const fingerprint = trusted.getFingerprint().toUpperCase();
  const find = (code: HeadFinding['code'], message: string) => findings.push({ code, source: source.name, message: `${source.name}: ${message}` });
  const { lines, torn } = splitHeadLog(source.text);
  let prev: ParsedHeadLine | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const parsed = parseHeadLine(lines[i]!, lineNo);
    if (typeof parsed === 'string') {
      find(HEAD_CODES.logMalformed, `line ${lineNo}: ${parsed}`);
      prev = null;
      continue;
    }
    const r = parsed.record;
    let verdict = verified.get(parsed.line);
    if (!verdict) {
      verdict = await verifyDetachedBinary(trusted, Buffer.from(signedText(r), 'utf8'), parsed.signature);
      verified.set(parsed.line, verdict);
    }
    if (!verdict.ok)
      find(verdict.foreign ? HEAD_CODES.foreignKey : HEAD_CODES.signatureInvalid, `line ${lineNo} (head ${r.n}, seq ${r.seq}): ${verdict.reason}`);
    else if (r.key !== fingerprint)
      find(HEAD_CODES.foreignKey, `line ${lineNo} (head ${r.n}, seq ${r.seq}): names key ${r.key}, not the audit key ${fingerprint}`);
    else heads.push({ source: source.name, lineNo, record: r });

    if (prev && prev.record.log === r.log) {
      const p = prev.record;
      if (r.n === p.n + 1) {
        if (r.previous !== lineHash(prev.line))
          find(
            HEAD_CODES.logBroken,
            `line ${lineNo} (head ${r.n}): its back-link does not name line ${prev.lineNo} (head ${p.n}): a line was edited or replaced`,
          );
        else if (r.seq <= p.seq) find(HEAD_CODES.logBroken, `line ${lineNo} (head ${r.n}): certifies seq ${r.seq}, not after head ${p.n}'s seq ${p.seq}`);
      } else if (!(source.gapsAllowed && r.n > p.n + 1)) {
        find(
          HEAD_CODES.logBroken,
          r.n > p.n + 1
            ? `line ${lineNo}: head ${r.n} follows head ${p.n}: heads ${p.n + 1}..${r.n - 1} were removed`
            : `line ${lineNo}: head ${r.n} follows head ${p.n}: a head was repeated or the lines reordered`,
        );
      }
    } else if (source.whole && (i === 0 || prev !== null) && (r.n !== 1 || r.previous !== NO_PREVIOUS_HEAD)) {
      // A new log in a whole file starts at head 1 (after a malformed line the break is already reported).
      find(HEAD_CODES.logBroken, `line ${lineNo}: log ${r.log} starts at head ${r.n}, not 1: its first heads were removed`);
    }
    prev = parsed;
  }
  if (torn !== null) find(HEAD_CODES.logBroken, `line ${lines.length + 1}: ends without a newline: the log was cut or a write torn`);
  return { heads, findings, lines: lines.length + (torn !== null ? 1 : 0) };
}

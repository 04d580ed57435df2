/**
 * The signed audit bundle (docs/audit-bundle.md): a tar of plain files that a reviewer
 * checks with gpg, sha256sum and the chain recipe of docs/audit-chain.md.
 */

export const BUNDLE_FORMAT = 'mpegflow-audit-bundle/1';

export const BUNDLE_FILES = {
  verify: 'VERIFY.md',
  key: 'audit-key.asc',
  anchor: 'anchor.json',
  events: 'events.jsonl',
  sums: 'SHA256SUMS',
  manifest: 'manifest.json',
  signature: 'manifest.json.asc',
  /** The signed chain heads on this bundle's events (docs/audit-heads.md). */
  heads: 'heads.log',
} as const;

export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  exportId: string;
  createdAt: string;
  applianceVersion: string;
  auditKeyFingerprint: string;
  /** What was asked for; `null` = not limited. */
  scope: { jobId: string | null; from: string | null; to: string | null };
  chain: {
    /** The event before the first one in events.jsonl (seq 0 and 64 zeros: genesis). */
    anchor: ChainPoint;
    /** The last event in events.jsonl (the anchor again when there is none). */
    last: ChainPoint;
    events: number;
  };
  checkpoint: {
    /** The whole chain's head when this export was made. */
    head: ChainPoint;
    /** The previous export's checkpoint: this bundle's chain extends it. */
    previous: { exportId: string; createdAt: string; head: ChainPoint } | null;
  };
  /** The signed heads in heads.log (absent in bundles made before signed heads). */
  heads?: { file: typeof BUNDLE_FILES.heads; count: number };
  /** sha256 of every other file of the bundle (all but manifest.json and manifest.json.asc). */
  files: Record<string, string>;
}

/** A bundle path: relative, plain segments only (no `..`, no absolute path, no odd bytes). */
export function isBundlePath(path: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(path) && path.length <= 200;
}

/**
 * The top-level `"seq":N,"type":"…"}` of a canonical event line: in JCS key order `seq`
 * and `type` are the last two keys, so the match is anchored at the end of the line.
 */
export function seqOfLine(line: string): number | null {
  const m = /,"seq":(\d+),"type":"(?:[^"\\]|\\.)*"\}$/.exec(line);
  return m ? Number(m[1]) : null;
}

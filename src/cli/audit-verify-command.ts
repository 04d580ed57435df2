import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { PublicKey } from 'openpgp';
import { dataLayout } from '../../appliance/data-layout.js';
import type { ChainView } from '../audit/chain-heads-check.js';
import { HEAD_LOG_NAME } from '../audit/head-log-file.js';
import type { HeadSourceText } from '../audit/head-log-check.js';
import { applianceHeadSources, auditorHeadSource, backupHeadsPath } from '../audit/head-sources.js';
import { verifyChainAgainstHeads } from '../audit/head-verification.js';
import type { Config } from '../config/schema.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { readPublicKey } from '../signing/binary-signatures.js';
import type { ChainVerdict } from '../store/audit-chain.js';
import { openStore } from '../store/open-store.js';
import { openDatabase } from '../store/sqlite/open-database.js';
import { verifyDatabaseFile } from '../store/sqlite/verify-file.js';
import type { Print } from './commands.js';

export interface AuditVerifyOptions {
  /** `--db FILE`: a copy or a backup, checked read-only (with the head log copy beside it). */
  db?: string;
  /** `--heads FILE` (repeatable): signed heads an auditor kept. */
  heads: string[];
  /** `--key PUBKEY.asc`: the audit public key to check heads with (default `<data>/trust/audit-key.pub.asc`). */
  key?: string;
}

/** The chain of a SQLite file as the heads check reads it. */
async function withSqliteChain<T>(path: string, fn: (chain: ChainView) => Promise<T>): Promise<T> {
  const db = openDatabase(path, { readonly: true });
  try {
    const head = (db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? null;
    const hashOf = db.prepare('SELECT hash FROM audit_events WHERE seq = ?');
    return await fn({ head, hashAt: (seq) => (hashOf.get(seq) as { hash: string } | undefined)?.hash });
  } finally {
    db.close();
  }
}

async function readKey(path: string, flag: boolean): Promise<PublicKey> {
  try {
    return await readPublicKey(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ApplianceError(
      'AUDIT_KEY_UNAVAILABLE',
      `${flag ? '--key ' : 'the audit public key '}${path} cannot be read as an OpenPGP key (${messageOf(err)})`,
    );
  }
}

/**
 * `mpegflow audit verify [--db FILE] [--heads FILE]… [--key PUBKEY.asc]`: recomputes the
 * chain, then checks it against every signed head found (the data dir's head log, the
 * backups' copies, the sink, the auditor's files). Exit 0 only if the chain is intact and
 * agrees with every head.
 */
export async function auditVerifyCommand(print: Print, options: AuditVerifyOptions, loadConfig: () => Promise<Config>): Promise<number> {
  let cfg: Config | null = null;
  const configOnce = async () => (cfg ??= await loadConfig());
  const sources: HeadSourceText[] = [];
  let what: string;
  let verdict: ChainVerdict;
  let dbPath: string | null;
  if (options.db) {
    dbPath = options.db;
    what = dbPath;
    const copy = backupHeadsPath(dbPath);
    if (copy !== dbPath && existsSync(copy)) sources.push({ name: copy, text: await readFile(copy, 'utf8'), whole: true, gapsAllowed: false });
  } else {
    const c = await configOnce();
    const layout = dataLayout(c.dataDir);
    sources.push(...(await applianceHeadSources({ headLog: layout.auditHeads, backupsDir: layout.backups, sink: c.auditHeads.sink })));
    dbPath = c.database.kind === 'sqlite' ? c.database.path : null;
    what = dbPath ?? 'database';
  }
  for (const file of options.heads) {
    sources.push(
      await auditorHeadSource(file).catch((err: unknown) => {
        throw new ApplianceError('FILE_UNREADABLE', `--heads ${file} cannot be read (${messageOf(err)})`);
      }),
    );
  }
  let chainView: <T>(fn: (chain: ChainView) => Promise<T>) => Promise<T>;
  if (dbPath) {
    const path = dbPath;
    verdict = await verifyDatabaseFile(path);
    chainView = (fn) => withSqliteChain(path, fn);
  } else {
    const store = await openStore(await configOnce());
    verdict = await store.audit.verify();
    chainView = async (fn) => {
      try {
        return await fn({ head: await store.audit.head(), hashAt: (seq) => store.audit.hashOf(seq) });
      } finally {
        await store.close();
      }
    };
  }
  const chainLine = verdict.ok
    ? `${verdict.events} events${verdict.head ? `, head seq ${verdict.head.seq} ${verdict.head.hash}` : ''}`
    : `BROKEN at seq ${verdict.badSeq}: ${verdict.reason}`;
  if (sources.length === 0) {
    await chainView(async () => undefined);
    print(verdict.ok ? `audit chain intact: ${chainLine} (${what})` : `audit chain ${chainLine} (${what})`);
    print(`signed heads: none found (no ${HEAD_LOG_NAME}, backup copy, sink or --heads): a cut-off end cannot be detected`);
    return verdict.ok ? 0 : 1;
  }
  const keyPath = options.key ?? dataLayout((await configOnce()).dataDir).auditPublicKey;
  const key = await readKey(keyPath, options.key !== undefined);
  const heads = await chainView((chain) => verifyChainAgainstHeads(sources, key, chain));
  if (verdict.ok && heads.ok) {
    print(`audit chain intact: ${chainLine} (${what})`);
    const newest = heads.newest;
    print(
      `signed heads: ${heads.distinct} distinct heads agree with the chain${newest ? ` (newest: seq ${newest.record.seq}, signed ${newest.record.at}, ${newest.source})` : ''}`,
    );
    for (const s of heads.sources) print(`  ${s.name}: ${s.lines} lines, ${s.heads} heads verify`);
    return 0;
  }
  print(
    verdict.ok
      ? `audit chain hashes recompute (${chainLine}), but the chain does NOT agree with its signed heads (${what})`
      : `audit chain ${chainLine} (${what})`,
  );
  for (const f of heads.findings) print(`FAILED  ${f.code}: ${f.message}`);
  for (const s of heads.sources) print(`  ${s.name}: ${s.lines} lines, ${s.heads} heads verify`);
  print(`audit verify: ${heads.findings.length + (verdict.ok ? 0 : 1)} finding(s)`);
  return 1;
}

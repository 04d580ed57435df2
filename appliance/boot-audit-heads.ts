import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { applianceHeadSources } from '../src/audit/head-sources.js';
import { HeadSigner } from '../src/audit/head-signer.js';
import { verifyChainAgainstHeads } from '../src/audit/head-verification.js';
import type { Config } from '../src/config/schema.js';
import { messageOf } from '../src/errors/appliance-error.js';
import type { Health } from '../src/http/health.js';
import type { Logger } from '../src/log/logger.js';
import { readPrivateKey } from '../src/signing/binary-signatures.js';
import type { Store } from '../src/store/store.js';
import type { DataLayout } from './data-layout.js';

/** Whether the sink folder can take new files (`problem`), and whether it is where it should be (`warning`). */
function sinkState(sink: string, dataDir: string): { problem: string | null; warning: string | null } {
  try {
    if (!statSync(sink).isDirectory()) return { problem: `${sink} is not a folder`, warning: null };
    accessSync(sink, constants.W_OK);
    return { problem: null, warning: statSync(sink).dev === statSync(dataDir).dev ? `${sink} is on the same volume as the data dir` : null };
  } catch (err) {
    return { problem: `${sink}: ${messageOf(err)}`, warning: null };
  }
}

/**
 * Signed chain heads at start: checks the chain against every head on this host (the head
 * log, the backups' copies, the sink) — a finding makes /healthz degraded — then opens the
 * head log (a missing one: a warning and an audited gap) and returns the signer.
 */
export async function bootAuditHeads(options: {
  config: Config;
  layout: DataLayout;
  store: Store;
  health: Health;
  logger: Logger;
  out: (line: string) => void;
  actor: string;
}): Promise<HeadSigner> {
  const { config, layout, store, health, logger, out } = options;
  const privateArmored = readFileSync(layout.auditKey, 'utf8');
  const key = await readPrivateKey(privateArmored);
  const sink = config.auditHeads.sink;
  const sources = await applianceHeadSources({ headLog: layout.auditHeads, backupsDir: layout.backups, sink });
  const verdict = await verifyChainAgainstHeads(sources, key.toPublic(), {
    head: await store.audit.head(),
    hashAt: (seq) => store.audit.hashOf(seq),
  });
  if (verdict.ok) {
    health.set('auditHeads', { ok: true, detail: `${verdict.distinct} signed heads agree with the chain` });
  } else {
    const detail = verdict.findings.map((f) => `${f.code}: ${f.message}`).join('; ');
    health.set('auditHeads', { ok: false, detail });
    for (const f of verdict.findings)
      logger.fatal({ code: f.code, source: f.source, missing: f.missing, seq: f.seq }, `SIGNED HEAD CHECK FAILED: ${f.message}`);
    out(`WARNING: the audit chain does not agree with its signed heads (${verdict.findings.length} finding(s)): ${detail}. The appliance runs degraded.`);
  }
  if (sink) {
    const { problem, warning } = sinkState(sink, layout.root);
    health.set('auditHeadSink', problem ? { ok: false, detail: problem } : { ok: true, detail: warning ?? sink });
    if (problem) out(`WARNING: auditHeads.sink: ${problem}; signed heads are kept in the data dir only until it is fixed.`);
    if (warning) out(`WARNING: auditHeads.sink: ${warning}; it should be another volume.`);
  }
  const signer = new HeadSigner({
    store,
    key,
    logPath: layout.auditHeads,
    sink,
    intervalMs: config.auditHeads.intervalSeconds * 1000,
    actor: options.actor,
    onError: (err) => logger.error({ err }, 'signing the audit chain head failed'),
    onSink: (ok, err) => {
      if (!sink) return;
      health.set('auditHeadSink', ok ? { ok: true, detail: sink } : { ok: false, detail: `${sink}: ${messageOf(err)}` });
      if (!ok) logger.error({ err, sink }, 'the signed head could not be written to the sink');
    },
  });
  const opened = await signer.open({ knownLog: verdict.newest?.record.log ?? null });
  if (opened.state === 'gap') {
    logger.warn({ log: opened.log, previousLog: opened.previousLog, seq: opened.seq }, 'audit head log missing at start: started a new one');
    out(
      `WARNING: the audit head log ${layout.auditHeads} was missing or unreadable (previous log ${opened.previousLog ?? 'unknown'}); a new log ${opened.log} was started and the gap audited at seq ${opened.seq}.`,
    );
  }
  return signer;
}

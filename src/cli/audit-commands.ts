import { access, mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dataLayout } from '../../appliance/data-layout.js';
import { AuditExporter } from '../audit/audit-exporter.js';
import { verifyBundle } from '../audit/bundle-verifier.js';
import { backupStore } from '../audit/store-backup.js';
import { backupSealer, loadKeySet } from '../../appliance/boot-at-rest.js';
import { openSealedFile } from '../at-rest/sealed-file.js';
import { sha256File } from '../hashing/file-sha256.js';
import type { Config } from '../config/schema.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { openStore } from '../store/open-store.js';
import { describeUrl } from '../store/postgres/pg-errors.js';
import type { Print } from './commands.js';

const CLI_ACTOR = 'system:cli';

/** `mpegflow audit export --out FILE [--job ID] [--from ISO] [--to ISO]`. */
export async function auditExportCommand(print: Print, config: Config, options: { out: string; jobId?: string; from?: string; to?: string }): Promise<number> {
  const layout = dataLayout(config.dataDir);
  const store = await openStore(config);
  try {
    const exporter = new AuditExporter({ store, keyPath: layout.auditKey, scratchDir: layout.scratch, headLogPath: layout.auditHeads });
    const { jobId, from, to } = options;
    const result = await exporter.export(resolve(options.out), { ...(jobId ? { jobId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }, CLI_ACTOR);
    const { chain, checkpoint } = result.manifest;
    print(`Bundle: ${result.path} (${result.size} bytes, sha256 ${result.sha256})`);
    print(`Events: ${chain.events} (seq ${chain.anchor.seq + 1}..${chain.last.seq}), anchor ${chain.anchor.hash}`);
    print(
      `Checkpoint: head seq ${checkpoint.head.seq} ${checkpoint.head.hash}; previous export ${checkpoint.previous ? `${checkpoint.previous.exportId} head seq ${checkpoint.previous.head.seq}` : 'none'}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** `mpegflow audit verify-bundle FILE [--key PUBKEY.asc] [--previous OLDER.tar]`: exit 0 only if every check holds. */
export async function auditVerifyBundleCommand(print: Print, file: string, keyPath: string | undefined, previousBundle?: string): Promise<number> {
  let trustedKeyArmored: string | undefined;
  if (keyPath) {
    trustedKeyArmored = await readFile(keyPath, 'utf8').catch((err: unknown) => {
      throw new ApplianceError('FILE_UNREADABLE', `--key ${keyPath} cannot be read (${messageOf(err)})`);
    });
  }
  await access(file).catch((err: unknown) => {
    throw new ApplianceError('FILE_UNREADABLE', `${file} cannot be read (${messageOf(err)})`);
  });
  if (previousBundle) {
    await access(previousBundle).catch((err: unknown) => {
      throw new ApplianceError('FILE_UNREADABLE', `--previous ${previousBundle} cannot be read (${messageOf(err)})`);
    });
  }
  const verdict = await verifyBundle(file, { ...(trustedKeyArmored ? { trustedKeyArmored } : {}), ...(previousBundle ? { previousBundle } : {}) });
  for (const line of verdict.passed) print(`ok      ${line}`);
  for (const line of verdict.failures) print(`FAILED  ${line}`);
  print(verdict.ok ? `bundle verifies: ${file}` : `bundle does NOT verify: ${verdict.failures.length} check(s) failed (${file})`);
  return verdict.ok ? 0 : 1;
}

/** `mpegflow backup open FILE --out PATH`: a sealed backup back into a database file (integrity checked), with the configured KEKs. */
export async function backupOpenCommand(print: Print, config: Config, file: string, out: string): Promise<number> {
  const keys = await loadKeySet(config);
  if (keys === null)
    throw new ApplianceError('USAGE', 'a sealed backup opens with the KEK it was sealed under: set MPEGFLOW_KEK_FILE (and atRest.previousKekFiles)');
  const key = await openSealedFile(resolve(file), resolve(out), keys.all);
  const { sha256, size } = await sha256File(resolve(out));
  print(`Opened ${file} (key ${key.kekId}) into ${out}: ${size} bytes, sha256 ${sha256} (compare with store.backup.created in the audit trail)`);
  return 0;
}

/** `mpegflow backup`: one online backup now, with the configured retention. */
export async function backupCommand(print: Print, config: Config): Promise<number> {
  if (config.database.kind !== 'sqlite')
    throw new ApplianceError(
      'USAGE',
      `the store is PostgreSQL (${describeUrl(config.database.url)}): mpegflow backup copies the embedded SQLite store only. Back PostgreSQL up with the facility's continuous archiving (PITR), or pg_dump --format=custom; after a restore, mpegflow audit verify checks the chain (docs/cluster.md)`,
    );
  const layout = dataLayout(config.dataDir);
  const keys = await loadKeySet(config);
  await mkdir(layout.backups, { recursive: true, mode: 0o750 });
  const store = await openStore(config);
  try {
    const result = await backupStore({
      store,
      dbPath: config.database.path,
      backupsDir: layout.backups,
      retention: config.backups.retention,
      actor: CLI_ACTOR,
      headLogPath: layout.auditHeads,
      ...(keys ? { seal: backupSealer(keys.current) } : {}),
    });
    print(
      `Backup: ${result.path} (${result.size} bytes, sha256 ${result.sha256}), chain ${result.chainOk ? 'intact' : 'BROKEN'} to seq ${result.head?.seq ?? 0}`,
    );
    if (result.sealed)
      print(`Sealed under ${result.sealed.kekId} (sealed file sha256 ${result.sealed.sha256}); mpegflow backup open FILE --out PATH gives the database back`);
    if (result.heads) print(`Signed heads: ${result.heads.path} (${result.heads.records} heads, sha256 ${result.heads.sha256})`);
    for (const pruned of result.pruned) print(`Removed old backup (retention ${config.backups.retention}): ${pruned}`);
    return result.chainOk ? 0 : 1;
  } finally {
    await store.close();
  }
}

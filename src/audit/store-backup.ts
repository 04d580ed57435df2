import { chmod, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { sha256File } from '../hashing/file-sha256.js';
import { openDatabase } from '../store/sqlite/open-database.js';
import { verifyDatabaseFile } from '../store/sqlite/verify-file.js';
import type { Store } from '../store/store.js';
import { copyCompleteLines } from './head-log-file.js';
import { backupHeadsPath } from './head-sources.js';

export interface BackupOptions {
  /** The live store: each backup and each pruned backup is audited in it. */
  store: Store;
  /** The live SQLite file. */
  dbPath: string;
  /** `<data>/backups`. */
  backupsDir: string;
  /** How many backups to keep (the oldest beyond it are removed). */
  retention: number;
  actor: string;
  /** `<data>/audit-heads.log`: copied beside the backup (`mpegflow-<time>.heads.log`), taken before the snapshot so its heads are all in it. */
  headLogPath?: string;
  /**
   * Encryption at rest: seals the finished backup (`plainPath` → `sealedPath` and its wrapped
   * key beside it) under the facility KEK; the clear copy is then removed.
   */
  seal?: (plainPath: string, sealedPath: string) => Promise<{ kekId: string }>;
  now?: () => Date;
}

export interface BackupResult {
  /** The backup file: `mpegflow-<time>.db`, or `mpegflow-<time>.db.sealed` when sealed. */
  path: string;
  /** sha256 and size of the database file (before sealing: what `mpegflow backup open` gives back). */
  sha256: string;
  size: number;
  /** The sealed file's own sha256 and the KEK that wraps its key, when sealed. */
  sealed: { sha256: string; kekId: string } | null;
  /** The backup's chain head and whether its chain verifies. */
  head: { seq: number; hash: string } | null;
  chainOk: boolean;
  /** The head log copy beside it (null: no head log to copy). */
  heads: { path: string; sha256: string; records: number } | null;
  pruned: string[];
}

const BACKUP_NAME = /^mpegflow-\d{8}T\d{9}Z\.db(\.sealed)?$/;

function backupName(at: Date): string {
  return `mpegflow-${at.toISOString().replace(/[-:.]/g, '')}.db`;
}

/**
 * One online backup of the store (SQLite's backup API: a consistent snapshot while the
 * appliance keeps writing) into `<data>/backups/mpegflow-<time>.db`, verified and hashed,
 * audited as `store.backup.created`; then the oldest backups beyond `retention` are removed,
 * each audited as `store.backup.pruned`.
 */
export async function backupStore(options: BackupOptions): Promise<BackupResult> {
  const at = (options.now ?? (() => new Date()))();
  const path = join(options.backupsDir, backupName(at));
  const partial = `${path}.partial`;
  const headsPath = backupHeadsPath(path);
  let heads: { records: number } | null = null;
  try {
    // The heads first: every head in the copy is then at or below the snapshot's end.
    if (options.headLogPath) heads = await copyCompleteLines(options.headLogPath, `${headsPath}.partial`);
    const source = openDatabase(options.dbPath, { readonly: true });
    try {
      // Steps of 1024 pages keep the event loop responsive; a write by the appliance between
      // steps restarts SQLite's copy, so after a restart the rest goes in one step.
      let lastRemaining = Number.POSITIVE_INFINITY;
      await source.backup(partial, {
        progress: ({ remainingPages }) => {
          const restarted = remainingPages > lastRemaining;
          lastRemaining = remainingPages;
          return restarted ? 0x7fffffff : 1024;
        },
      });
    } finally {
      source.close();
    }
    // A self-contained file: no -wal / -shm beside it, so its bytes (and sha256) are final.
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    await chmod(partial, 0o640);
    await rename(partial, path);
    if (heads) await rename(`${headsPath}.partial`, headsPath);
  } catch (err) {
    await rm(partial, { force: true });
    await rm(`${headsPath}.partial`, { force: true });
    const failure = new ApplianceError('BACKUP_FAILED', `backup of ${options.dbPath} into ${options.backupsDir} failed: ${messageOf(err)}`, { cause: err });
    await options.store
      .change(
        async (tx) => void (await tx.audit({ type: 'store.backup.failed', actor: options.actor, payload: { file: basename(path), message: failure.message } })),
      )
      .catch(() => undefined);
    throw failure;
  }
  const { sha256, size } = await sha256File(path);
  const verdict = await verifyDatabaseFile(path);
  const head = verdict.ok ? verdict.head : null;
  const headsCopy = heads ? { path: headsPath, sha256: (await sha256File(headsPath)).sha256, records: heads.records } : null;
  let sealed: BackupResult['sealed'] = null;
  let file = path;
  if (options.seal) {
    file = `${path}.sealed`;
    try {
      const { kekId } = await options.seal(path, file);
      sealed = { sha256: (await sha256File(file)).sha256, kekId };
    } finally {
      await rm(path, { force: true });
    }
  }
  await options.store.change(async (tx) => {
    await tx.audit({
      type: 'store.backup.created',
      actor: options.actor,
      payload: {
        file: basename(file),
        sha256,
        size,
        ...(sealed ? { sealed: { sha256: sealed.sha256, kekId: sealed.kekId, key: `${basename(file)}.key` } } : {}),
        head,
        chainOk: verdict.ok,
        ...(verdict.ok ? {} : { badSeq: verdict.badSeq, reason: verdict.reason }),
        ...(headsCopy ? { heads: { file: basename(headsCopy.path), sha256: headsCopy.sha256, records: headsCopy.records } } : {}),
      },
    });
  });
  const pruned = await pruneBackups(options, basename(file));
  return { path: file, sha256, size, sealed, head, chainOk: verdict.ok, heads: headsCopy, pruned };
}

async function pruneBackups(options: BackupOptions, keep: string): Promise<string[]> {
  const names = (await readdir(options.backupsDir)).filter((n) => BACKUP_NAME.test(n)).sort();
  const excess = names.slice(0, Math.max(0, names.length - Math.max(1, options.retention))).filter((n) => n !== keep);
  for (const name of excess) {
    const file = join(options.backupsDir, name);
    const { sha256 } = await sha256File(file);
    await rm(file, { force: true });
    await rm(`${file}.key`, { force: true });
    await rm(backupHeadsPath(file), { force: true });
    await options.store.change(
      async (tx) => void (await tx.audit({ type: 'store.backup.pruned', actor: options.actor, payload: { file: name, sha256, retention: options.retention } })),
    );
  }
  return excess;
}

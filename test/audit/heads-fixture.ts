import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadSigner } from '../../src/audit/head-signer.js';
import { readPrivateKey } from '../../src/signing/binary-signatures.js';
import { generateSigningKey, type SigningKey } from '../../src/signing/openpgp-keys.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sh } from './audit-fixture.js';

/** A data dir as the appliance lays it out (database, audit key, head log), with a head signer on it. */
export async function headsDataDir(options: { now?: () => Date; key?: SigningKey } = {}) {
  const dir = tempDir('mpegflow-heads-');
  const dbPath = join(dir, 'mpegflow.db');
  const store = new SqliteStore({ path: dbPath });
  const key = options.key ?? (await generateSigningKey({ name: 'MpegFlow Appliance audit key' }));
  const publicKeyPath = join(dir, 'audit-key.pub.asc');
  writeFileSync(publicKeyPath, key.publicArmored);
  const logPath = join(dir, 'audit-heads.log');
  const signer = async (extra: { sink?: string; now?: () => Date } = {}) =>
    new HeadSigner({
      store,
      key: await readPrivateKey(key.privateArmored),
      logPath,
      sink: extra.sink ?? null,
      intervalMs: 60_000,
      actor: 'system',
      ...((extra.now ?? options.now) ? { now: extra.now ?? options.now } : {}),
    });
  const append = async (n: number, type = 'test.event') => {
    for (let i = 0; i < n; i++) await store.change(async (tx) => void (await tx.audit({ type, actor: 'test', payload: { i } })));
  };
  /** `mpegflow audit verify` on this data dir (its own log, backups, sink), with the given extra flags. */
  const verify = (args: string[] = [], env: Record<string, string> = {}) =>
    runCli(['audit', 'verify', '--key', publicKeyPath, ...args], { cwd: dir, env: { MPEGFLOW_DATA_DIR: dir, ...env } });
  /** The triggers dropped and the last `n` events deleted, with the sqlite3 shell, as an insider would. */
  const cutLast = (n: number, path = dbPath) => {
    const r = sh(
      [
        'sqlite3',
        path,
        `DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq > (SELECT max(seq) - ${n} FROM audit_events); SELECT max(seq) FROM audit_events;`,
      ],
      dir,
    );
    if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.out}`);
    return Number(r.out.trim());
  };
  const copyDb = () => {
    const copy = join(tempDir('mpegflow-heads-copy-'), 'mpegflow.db');
    copyFileSync(dbPath, copy);
    return copy;
  };
  return { dir, dbPath, store, key, publicKeyPath, logPath, signer, append, verify, cutLast, copyDb };
}

export type HeadsDataDir = Awaited<ReturnType<typeof headsDataDir>>;

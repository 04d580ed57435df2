import { mkdirSync, statSync, statfsSync } from 'node:fs';
import { fileKek, type KeyEncryptionKey } from '../src/at-rest/key-encryption-key.js';
import { sealFile } from '../src/at-rest/sealed-file.js';
import { commandKek } from '../src/at-rest/command-kek.js';
import type { Config } from '../src/config/schema.js';
import { ApplianceError } from '../src/errors/appliance-error.js';
import type { Logger } from '../src/log/logger.js';
import type { KeySet } from '../src/storage/encrypted-store.js';
import type { Store } from '../src/store/store.js';

/** Encryption at rest as started: the KEKs, and the memory-backed scratch encoders write to. */
export interface AtRest {
  keys: KeySet;
  scratchDir: string;
  describe: string;
}

/** Filesystems backed by memory (statfs f_type): tmpfs, ramfs. */
const MEMORY_FILESYSTEMS = new Set([0x01021994, 0x858458f6]);

function readKek(path: string): KeyEncryptionKey {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new ApplianceError('KEK_UNAVAILABLE', `key-encryption key ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return fileKek(path, mode);
}

/** The scratch folder must be memory-backed: renditions are plaintext while the encoder writes them. */
export function memoryScratch(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const type = statfsSync(dir).type;
  if (!MEMORY_FILESYSTEMS.has(type)) {
    throw new ApplianceError(
      'SCRATCH_NOT_IN_MEMORY',
      `atRest.scratchDir ${dir} is not on a memory-backed filesystem (type 0x${type.toString(16)}); with encryption at rest encoders write there, so it must be tmpfs (e.g. under /dev/shm)`,
    );
  }
  return dir;
}

/** Seals store backups under the current KEK (src/at-rest/sealed-file.ts). */
export function backupSealer(kek: KeyEncryptionKey): (plainPath: string, sealedPath: string) => Promise<{ kekId: string }> {
  return async (plainPath, sealedPath) => ({ kekId: (await sealFile(plainPath, sealedPath, kek)).kekId });
}

/** The KEKs the config names (current first: the file, or the command's key), or null when encryption at rest is off. */
export async function loadKeySet(config: Config): Promise<KeySet | null> {
  const { kekFile, kekCommand, previousKekFiles } = config.atRest;
  if (kekFile === null && kekCommand === null) return null;
  const current = kekCommand !== null ? await commandKek(kekCommand) : readKek(kekFile!);
  return { current, all: [current, ...previousKekFiles.map(readKek)] };
}

/** Where the current KEK is, for messages. */
export const kekSource = (config: Config): string =>
  config.atRest.kekCommand !== null ? `the command ${config.atRest.kekCommand[0]}` : `${config.atRest.kekFile}`;

/**
 * Loads the KEKs named by the config (a missing, unreadable or world-readable key stops
 * start-up with its KEK_* code), checks them against the key ring — a KEK that wraps none of
 * the stored data keys while others do is the wrong key: start-up stops and names the KEKs
 * the ring needs — prepares the memory-backed scratch, and audits what was loaded.
 */
export async function bootAtRest(config: Config, store: Store, logger: Logger, actor: string): Promise<AtRest | null> {
  const keys = await loadKeySet(config);
  if (keys === null) return null;
  const { current, all } = keys;
  const { scratchDir } = config.atRest;
  const byKek = await store.dataKeys.countByKek();
  const configured = new Set(all.map((k) => k.id));
  const needed = Object.keys(byKek).filter((id) => !configured.has(id));
  const usable = Object.keys(byKek).filter((id) => configured.has(id));
  if (needed.length > 0 && usable.length === 0) {
    throw new ApplianceError(
      'KEK_UNAVAILABLE',
      `the key-encryption key of ${kekSource(config)} (${current.id}) wraps none of the ${Object.values(byKek).reduce((a, b) => a + b, 0)} stored data keys; they need ${needed.join(', ')}: configure that key (or list it in atRest.previousKekFiles); nothing was changed`,
    );
  }
  if (needed.length > 0) logger.warn({ needed }, 'some stored data keys are wrapped by a KEK that is not configured; their objects cannot be read');
  const dir = memoryScratch(scratchDir);
  await store.change(async (tx) => {
    await tx.audit({
      type: 'at_rest.keys_loaded',
      actor,
      payload: { kekId: current.id, previousKekIds: all.slice(1).map((k) => k.id), dataKeysByKek: byKek, unavailableKekIds: needed, scratchDir: dir },
    });
  });
  return { keys, scratchDir: dir, describe: `encrypted at rest under ${current.id}` };
}

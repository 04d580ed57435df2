import { kekSource, loadKeySet } from '../../appliance/boot-at-rest.js';
import { rotateDataKeys } from '../../appliance/key-rotation.js';
import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import type { KeySet } from '../storage/encrypted-store.js';
import type { Store } from '../store/store.js';
import type { Print } from './commands.js';
import { withStore } from './with-store.js';

const ACTOR = 'cli:keys';

async function withKeys<T>(cfg: Config, fn: (store: Store, keys: KeySet) => Promise<T>): Promise<T> {
  const keys = await loadKeySet(cfg);
  if (keys === null)
    throw new ApplianceError('USAGE', 'encryption at rest is off: set MPEGFLOW_KEK_FILE (or atRest.kekFile / atRest.kekCommand) to the key-encryption key');
  return withStore(cfg, (store) => fn(store, keys));
}

/** `mpegflow keys status`: the configured KEKs and how many data keys each wraps (and any KEK the ring needs that is not configured). */
export async function keysStatusCommand(print: Print, cfg: Config): Promise<number> {
  return withKeys(cfg, async (store, keys) => {
    const counts = await store.dataKeys.countByKek();
    const configured = new Set(keys.all.map((k) => k.id));
    print(`current KEK: ${keys.current.id} (${kekSource(cfg)}) wraps ${counts[keys.current.id] ?? 0} data keys`);
    for (const k of keys.all.slice(1))
      print(`previous KEK: ${k.id} wraps ${counts[k.id] ?? 0} data keys${counts[k.id] ? ' (run mpegflow keys rotate)' : ' (no longer needed)'}`);
    const missing = Object.entries(counts).filter(([id]) => !configured.has(id));
    for (const [id, n] of missing) print(`NOT CONFIGURED: ${id} wraps ${n} data keys; their objects cannot be read`);
    return missing.length > 0 ? 1 : 0;
  });
}

/** `mpegflow keys rotate`: re-wraps every data key of a previous KEK under the current one (content untouched), audited per batch. */
export async function keysRotateCommand(print: Print, cfg: Config): Promise<number> {
  return withKeys(cfg, async (store, keys) => {
    const report = await rotateDataKeys(store, keys, ACTOR);
    const moved = Object.entries(report.moved);
    if (moved.length === 0) print(`nothing to rotate: every readable data key is wrapped by ${report.to}`);
    for (const [from, n] of moved)
      print(`re-wrapped ${n} data keys from ${from} to ${report.to}; ${from} wraps none now and may be removed from atRest.previousKekFiles`);
    for (const [id, n] of Object.entries(report.unavailable))
      print(`NOT CONFIGURED: ${id} wraps ${n} data keys; add its file to atRest.previousKekFiles to rotate them`);
    return Object.keys(report.unavailable).length > 0 ? 1 : 0;
  });
}

import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApplianceError } from '../src/errors/appliance-error.js';
import { layoutFolders, type DataLayout } from './data-layout.js';

function unwritable(path: string, why: string): ApplianceError {
  return new ApplianceError('DATA_DIR_UNWRITABLE', `MPEGFLOW_DATA_DIR: ${path} ${why}`, { details: { key: 'MPEGFLOW_DATA_DIR' } });
}

/** Proves a folder is writable by creating and removing an entry in it (access() lies on read-only mounts). */
function probeWritable(dir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    rmdirSync(mkdtempSync(join(dir, '.write-probe-')));
  } catch (err) {
    throw unwritable(dir, `is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * Checks before it creates anything, so a data dir that cannot be used is never left
 * half-made; then creates the layout (idempotent).
 */
export function ensureDataDir(layout: DataLayout): { created: boolean } {
  const root = layout.root;
  let created = false;
  if (existsSync(root)) {
    if (!statSync(root).isDirectory()) throw unwritable(root, 'exists and is not a folder');
    probeWritable(root);
  } else {
    const parent = dirname(root);
    if (!existsSync(parent)) throw unwritable(root, `cannot be created: ${parent} does not exist`);
    if (!statSync(parent).isDirectory()) throw unwritable(root, `cannot be created: ${parent} is not a folder`);
    probeWritable(parent);
    mkdirSync(root, { mode: 0o750 });
    created = true;
  }
  for (const { path, mode } of layoutFolders(layout)) mkdirSync(path, { recursive: true, mode });
  return { created };
}

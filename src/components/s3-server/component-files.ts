import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../hashing/file-sha256.js';
import { formatMode } from '../../signed-tree/tree-path.js';
import { walkTree } from '../../signed-tree/tree-walk.js';
import { signDetached } from '../../signing/openpgp-keys.js';
import { COMPONENT_FILE, COMPONENT_SIGNATURE_FILE, unsafeComponentPath, type ComponentManifest } from './component-manifest.js';

/**
 * The `files` entries of a component folder as it is on disk (every regular file except
 * component.json and its signature), sorted by path. Refuses symlinks and special files.
 * For whoever prepares a component (a facility's tooling, the tests).
 */
export async function listComponentFiles(dir: string): Promise<ComponentManifest['files']> {
  const out: ComponentManifest['files'] = [];
  for (const e of await walkTree(dir)) {
    if (e.kind === 'dir') continue;
    if (e.kind !== 'file') throw new Error(`${e.path} is a ${e.kind}; a component holds regular files only`);
    if (e.path === COMPONENT_FILE || e.path === COMPONENT_SIGNATURE_FILE) continue;
    const why = unsafeComponentPath(e.path);
    if (why) throw new Error(`${e.path} ${why}`);
    const { sha256, size } = await sha256File(join(dir, e.path));
    out.push({ path: e.path, size, sha256, mode: formatMode(e.mode) });
  }
  return out;
}

/** Signs `<dir>/component.json` with an armored private key, writing `<dir>/component.json.asc` (detached, armored, GnuPG-verifiable). */
export async function signComponentManifest(dir: string, privateArmored: string): Promise<void> {
  const bytes = await readFile(join(dir, COMPONENT_FILE));
  await writeFile(join(dir, COMPONENT_SIGNATURE_FILE), await signDetached(privateArmored, bytes), { mode: 0o644 });
}

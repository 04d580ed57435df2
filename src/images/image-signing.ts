import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signDetached } from '../signing/openpgp-keys.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from './image-manifest.js';

/** Signs `<dir>/manifest.json` with an armored private key, writing `<dir>/manifest.json.asc` (detached, armored, GnuPG-verifiable). */
export async function signImageManifest(dir: string, privateArmored: string): Promise<void> {
  const bytes = await readFile(join(dir, MANIFEST_FILE));
  await writeFile(join(dir, SIGNATURE_FILE), await signDetached(privateArmored, bytes), { mode: 0o644 });
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { fingerprintOf } from './openpgp-keys.js';

/** Plain data (crosses a worker-thread boundary): the public keys a signed manifest may be signed by. */
export interface TrustedKeys {
  keys: Array<{ fingerprint: string; source: string; armored: string }>;
}

/**
 * Reads every `*.asc` public key of the given folders (missing folders are empty). A
 * file that is not a readable OpenPGP key fails loudly: a trust store is never half-read.
 */
export async function loadTrustedKeys(dirs: readonly string[]): Promise<TrustedKeys> {
  const keys: TrustedKeys['keys'] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw new ApplianceError('TRUST_STORE_INVALID', `cannot read trusted keys in ${dir}: ${err.message}`);
    });
    for (const name of names.filter((n) => n.endsWith('.asc')).sort()) {
      const source = join(dir, name);
      const armored = await readFile(source, 'utf8');
      let fingerprint: string;
      try {
        fingerprint = await fingerprintOf(armored);
      } catch (err) {
        throw new ApplianceError('TRUST_STORE_INVALID', `trusted key ${source} is not a readable OpenPGP public key (${(err as Error).message})`);
      }
      if (/PRIVATE KEY/.test(armored)) throw new ApplianceError('TRUST_STORE_INVALID', `trusted key ${source} holds a private key; put only public keys there`);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      keys.push({ fingerprint, source, armored });
    }
  }
  return { keys };
}

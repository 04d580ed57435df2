import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';
import { loadTrustedKeys, type TrustedKeys } from '../signing/trusted-keys.js';

/** The catalog's own trusted keys, shipped with the appliance. */
export const catalogKeysDir: string = join(packageRoot, 'images', 'keys');

/** The trust of an appliance: the catalog's keys and `<data>/trust/*.asc` (which holds the appliance's own public key). */
export function applianceTrust(trustDir: string): Promise<TrustedKeys> {
  return loadTrustedKeys([catalogKeysDir, trustDir]);
}

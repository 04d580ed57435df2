import { existsSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDebCacheDir } from '../../src/image-build/build-image.js';

/** An unreachable Debian mirror: the first start's image build fails at once (the appliance runs degraded). */
export const OFFLINE = { MPEGFLOW_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian' };

/**
 * Hard-links the shared test .deb cache (if any) into `<data>/cache/debs` so a test of
 * the first start does not download 140 MB again; the build re-hashes every .deb
 * against the lock either way.
 */
export function seedDebCache(dataDir: string): number {
  const from = defaultDebCacheDir();
  const to = join(dataDir, 'cache', 'debs');
  mkdirSync(to, { recursive: true });
  if (!existsSync(from)) return 0;
  let n = 0;
  for (const name of readdirSync(from).filter((f) => f.endsWith('.deb'))) {
    try {
      linkSync(join(from, name), join(to, name));
      n += 1;
    } catch {
      // another file system or already there: the build downloads what is missing
    }
  }
  return n;
}

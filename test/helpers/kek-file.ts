import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A facility key-encryption key (64 hex digits, mode 0600) in `dir`, which must be outside the data dir. */
export function writeKekFile(dir: string, name = 'kek.hex'): string {
  const path = join(dir, name);
  writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return path;
}

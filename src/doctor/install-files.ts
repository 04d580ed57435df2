import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../config/package-root.js';
import { sha256File } from '../hashing/file-sha256.js';
import type { DoctorCheck } from './doctor-check.js';

/** The folder an offline bundle was installed into (`<prefix>`, above `<prefix>/app`), or null outside an install. */
export function installPrefix(): string | null {
  const prefix = dirname(packageRoot);
  return existsSync(join(prefix, 'SHA256SUMS')) && existsSync(join(prefix, 'BUNDLE.json')) ? prefix : null;
}

/** Every file of the install re-hashed against the bundle's SHA256SUMS. */
export async function checkInstallFiles(prefix: string | null): Promise<DoctorCheck> {
  if (!prefix) return { name: 'files', ok: false, detail: `not an installed bundle: no SHA256SUMS above ${packageRoot}` };
  const lines = readFileSync(join(prefix, 'SHA256SUMS'), 'utf8').split('\n').filter(Boolean);
  let bad: string[] = [];
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) return { name: 'files', ok: false, detail: `SHA256SUMS has a malformed line: ${line.slice(0, 80)}` };
    const path = join(prefix, m[2] as string);
    if (!existsSync(path)) bad.push(`missing ${m[2]}`);
    else if ((await sha256File(path)).sha256 !== m[1]) bad.push(`modified ${m[2]}`);
  }
  if (bad.length > 3) bad = [...bad.slice(0, 3), `… ${bad.length - 3} more`];
  return bad.length ? { name: 'files', ok: false, detail: bad.join('; ') } : { name: 'files', ok: true, detail: `${lines.length} files match SHA256SUMS` };
}

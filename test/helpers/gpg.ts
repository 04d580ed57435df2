import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** GnuPG is a required test tool: missing it is a failure, never a skip. */
export function requireGpg(): string {
  const r = spawnSync('gpg', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('gpg (Debian package gnupg) is required for this test and was not found');
  return r.stdout.split('\n')[0] ?? '';
}

/** `gpg --verify SIG DATA` with only `publicKey` imported, in a throw-away GNUPGHOME. */
export function gpgVerify(publicKeyArmored: string, data: Uint8Array, signatureArmored: string | Uint8Array): { ok: boolean; output: string } {
  const home = join(tempDir('mpegflow-gpg-'), 'home');
  mkdirSync(home, { mode: 0o700 });
  const dir = tempDir('mpegflow-gpg-files-');
  writeFileSync(join(dir, 'key.asc'), publicKeyArmored);
  writeFileSync(join(dir, 'data'), data);
  writeFileSync(join(dir, 'data.asc'), signatureArmored);
  const env = { ...process.env, GNUPGHOME: home };
  const imported = spawnSync('gpg', ['--batch', '--import', join(dir, 'key.asc')], { env, encoding: 'utf8' });
  if (imported.status !== 0) return { ok: false, output: imported.stderr };
  const r = spawnSync('gpg', ['--batch', '--verify', join(dir, 'data.asc'), join(dir, 'data')], { env, encoding: 'utf8' });
  return { ok: r.status === 0, output: r.stderr };
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  /** The `kek-pkcs11.sh` config file of this token's AES key. */
  conf: string;
  dir: string;
}

/**
 * A fresh SoftHSM token in a temp dir with one non-extractable AES-256 key (id 01), and the
 * config `provisioning/kek-pkcs11.sh` reads. Undefined (with a warning) when SoftHSM or OpenSC
 * is missing; under CI=true that is a failure, not a skip.
 */
export function softHsmToken(label = 'mpegflow'): SoftHsmToken | undefined {
  const missing = [SOFTHSM_MODULE, '/usr/bin/softhsm2-util', '/usr/bin/pkcs11-tool'].filter((p) => !existsSync(p));
  if (missing.length) {
    if (process.env.CI === 'true') throw new Error(`SoftHSM/OpenSC missing (${missing.join(', ')}): apt-get install softhsm2 opensc`);
    console.warn(`!!! SoftHSM tests SKIPPED: ${missing.join(', ')} missing`);
    return undefined;
  }
  const dir = tempDir('mpegflow-softhsm-');
  mkdirSync(join(dir, 'tokens'));
  writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', SOFTHSM2_CONF: join(dir, 'softhsm2.conf') };
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', '1234', '--so-pin', '5678'], { env, stdio: 'pipe' });
  execFileSync(
    'pkcs11-tool',
    [
      '--module',
      SOFTHSM_MODULE,
      '--token-label',
      label,
      '--login',
      '--pin',
      '1234',
      '--keygen',
      '--key-type',
      'AES:32',
      '--label',
      'kek',
      '--id',
      '01',
      '--sensitive',
    ],
    { env, stdio: 'pipe' },
  );
  writeFileSync(join(dir, 'pin'), '1234', { mode: 0o600 });
  const conf = join(dir, 'kek-pkcs11.conf');
  writeFileSync(
    conf,
    [`MODULE=${SOFTHSM_MODULE}`, `TOKEN=${label}`, 'KEY_ID=01', `PIN_FILE=${join(dir, 'pin')}`, `SOFTHSM2_CONF=${join(dir, 'softhsm2.conf')}`, ''].join('\n'),
  );
  return { conf, dir };
}

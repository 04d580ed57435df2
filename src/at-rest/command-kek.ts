import { spawn } from 'node:child_process';
import { ApplianceError } from '../errors/appliance-error.js';
import type { KeyEncryptionKey } from './key-encryption-key.js';

/** What a KEK command may call itself: a short name (the appliance adds `kek-cmd-`). */
const ID_SHAPE = /^[A-Za-z0-9._:-]{1,80}$/;
const UNWRAP_CACHE = 4096;

/** Runs `argv + [op]` with `input` on stdin (no shell, PATH only): its stdout, trimmed; a failure or a timeout is KEK_UNAVAILABLE with its stderr. */
function run(argv: readonly string[], op: string, input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, [...argv.slice(1), op], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ApplianceError('KEK_UNAVAILABLE', `the KEK command ${argv[0]} cannot run: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out.trim());
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${code}`;
      reject(new ApplianceError('KEK_UNAVAILABLE', `the KEK command ${argv[0]} ${op} ${why}: ${err.trim().split('\n').slice(-3).join(' / ') || 'no message'}`));
    });
    // A command that exits without reading its stdin (e.g. `id`) closes the pipe: EPIPE here is
    // not an error of its own — the exit code and stderr (the `close` handler) say what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/**
 * A KEK held elsewhere — an HSM over PKCS#11, a KMS — behind a command the facility provides
 * (docs/at-rest.md, `provisioning/kek-pkcs11.sh` for SoftHSM/PKCS#11). The appliance never
 * sees the KEK: it runs `COMMAND… id` once (the key's name), `COMMAND… wrap` with a data key
 * (base64 on stdin, the wrapped blob in base64 on stdout) and `COMMAND… unwrap` the other way.
 * Unwrapped data keys are kept in memory (the newest 4096), so a player reading segments does
 * not call the HSM for each.
 */
export async function commandKek(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<KeyEncryptionKey> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const name = await run(argv, 'id', '', timeoutMs);
  if (!ID_SHAPE.test(name))
    throw new ApplianceError(
      'KEK_INVALID',
      `the KEK command ${argv[0]} id printed ${JSON.stringify(name.slice(0, 100))}, not a key name ([A-Za-z0-9._:-], 1-80)`,
    );
  const cache = new Map<string, Buffer>();
  return {
    id: `kek-cmd-${name}`,
    wrap: async (dataKey) => {
      const wrapped = Buffer.from(await run(argv, 'wrap', `${dataKey.toString('base64')}\n`, timeoutMs), 'base64');
      if (wrapped.length < 16) throw new ApplianceError('KEK_UNAVAILABLE', `the KEK command ${argv[0]} wrap printed no wrapped key`);
      return wrapped;
    },
    unwrap: async (wrapped) => {
      const key = wrapped.toString('base64');
      const hit = cache.get(key);
      if (hit) return hit;
      let dataKey: Buffer;
      try {
        dataKey = Buffer.from(await run(argv, 'unwrap', `${key}\n`, timeoutMs), 'base64');
      } catch (err) {
        throw new ApplianceError('KEK_UNWRAP_FAILED', `the data key does not unwrap with kek-cmd-${name}: ${(err as Error).message}`);
      }
      if (dataKey.length !== 32)
        throw new ApplianceError('KEK_UNWRAP_FAILED', `the data key does not unwrap with kek-cmd-${name} (got ${dataKey.length} bytes, not 32)`);
      if (cache.size >= UNWRAP_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(key, dataKey);
      return dataKey;
    },
  };
}

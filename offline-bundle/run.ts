import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

/** Runs a command (argv array, no shell), inheriting stderr; throws with its output when it fails. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${String(r.stdout ?? '').slice(-2000)}${String(r.stderr ?? '').slice(-4000)}`,
    );
  }
  return String(r.stdout ?? '');
}

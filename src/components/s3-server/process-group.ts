import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** True while any process is in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals the whole process group; a group that is gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Ends a process group: SIGTERM, then waits up to `graceMs` for every member to go (and for
 * `leaderExited`, if given), then SIGKILL. Resolves when the group is empty (or 5 s after SIGKILL).
 */
export async function terminateGroup(pgid: number, graceMs: number, leaderExited?: Promise<unknown>): Promise<'terminated' | 'killed'> {
  if (!groupAlive(pgid)) return 'terminated';
  signalGroup(pgid, 'SIGTERM');
  let leaderGone = leaderExited === undefined;
  void leaderExited?.then(() => (leaderGone = true));
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (leaderGone && !groupAlive(pgid)) return 'terminated';
    await sleep(25);
  }
  signalGroup(pgid, 'SIGKILL');
  const hard = Date.now() + 5000;
  while (Date.now() < hard && (groupAlive(pgid) || !leaderGone)) await sleep(25);
  return 'killed';
}

/** Whether `host:port` can be bound right now (nothing else listens there). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The environment entries (`NAME=value`) of a live process of ours (from /proc), or null. */
export async function processEnviron(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/environ`);
    return raw.toString('utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

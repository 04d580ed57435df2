import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Who listens on a TCP port, as far as /proc lets this user see. */
export interface PortHolder {
  /** The socket's inode (from /proc/net/tcp{,6}). */
  inode: number;
  uid: number;
  /** The process holding the socket, when its fds are readable by this user. */
  pid?: number;
  command?: string;
  /** Process state letter from /proc/<pid>/stat (R, S, D: in the kernel, Z: exiting…). */
  state?: string;
}

const LISTEN = '0A';

/** Listening sockets on `port` in /proc/net/tcp and tcp6 (any local address: one on 0.0.0.0 also blocks 127.0.0.1). */
function listeningInodes(port: number): { inode: number; uid: number }[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: { inode: number; uid: number }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN || f[1]?.split(':')[1] !== hexPort) continue;
      out.push({ uid: Number(f[7]), inode: Number(f[9]) });
    }
  }
  return out;
}

function processOf(inode: number): { pid: number; command: string; state: string } | undefined {
  const target = `socket:[${inode}]`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link !== target) continue;
      let command = '';
      let state = '';
      try {
        command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
      } catch {
        // exiting
      }
      return { pid: Number(name), command, state };
    }
  }
  return undefined;
}

/** The processes listening on `port` (Linux /proc; empty when not findable). */
export function portHolders(port: number): PortHolder[] {
  return listeningInodes(port).map((s) => ({ ...s, ...processOf(s.inode) }));
}

/** One phrase naming the holders, for an error message. */
export function describeHolders(holders: readonly PortHolder[]): string {
  if (holders.length === 0) return 'the holder could not be found (no listening socket visible in /proc/net/tcp; it may be closing)';
  return holders
    .map((h) =>
      h.pid !== undefined
        ? `pid ${h.pid}${h.state ? ` (state ${h.state})` : ''}: ${h.command ? h.command.slice(0, 200) : '(command unreadable)'}`
        : `a socket of uid ${h.uid} (inode ${h.inode}) whose process this user cannot see`,
    )
    .join('; ');
}

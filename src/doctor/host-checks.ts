import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataLayout } from '../../appliance/data-layout.js';
import type { DoctorCheck } from './doctor-check.js';

const MiB = 2 ** 20;

/** The data dir belongs to this user and nobody else can write it; secrets are owner-only. */
export function checkDataDirPermissions(layout: DataLayout, uid: number): DoctorCheck {
  const problems: string[] = [];
  if (!existsSync(layout.root)) return { name: 'data dir', ok: false, detail: `${layout.root} does not exist (mpegflow init creates it)` };
  const root = statSync(layout.root);
  if (root.uid !== uid) problems.push(`${layout.root} is owned by uid ${root.uid}, not ${uid}`);
  if (root.mode & 0o022) problems.push(`${layout.root} is group/world-writable (${(root.mode & 0o777).toString(8)})`);
  for (const [path, what] of [
    [layout.secrets, 'folder'],
    [layout.auditKey, 'file'],
    [layout.adminToken, 'file'],
  ] as const) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) problems.push(`${path} (${what}) is readable by others (${mode.toString(8)})`);
  }
  return problems.length
    ? { name: 'data dir', ok: false, detail: problems.join('; ') }
    : { name: 'data dir', ok: true, detail: `${layout.root}: owner-only secrets, not writable by others` };
}

/** At least `minBytes` free for the data dir. */
export function checkFreeDisk(dir: string, minBytes: number): DoctorCheck {
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const detail = `${Math.floor(free / MiB)} MiB free in ${dir} (needs ${Math.floor(minBytes / MiB)} MiB)`;
  return { name: 'disk', ok: free >= minBytes, detail };
}

/** The clock is not before the bundle was built nor before the newest audit event (a clock that went back). */
export function checkClock(now: Date, notBefore: Array<{ what: string; at: Date }>): DoctorCheck {
  const late = notBefore.filter((n) => n.at.getTime() > now.getTime() + 5 * 60_000);
  if (late.length)
    return { name: 'clock', ok: false, detail: `now is ${now.toISOString()}, before ${late.map((l) => `${l.what} (${l.at.toISOString()})`).join(', ')}` };
  return { name: 'clock', ok: true, detail: `${now.toISOString()}, after ${notBefore.map((n) => n.what).join(' and ') || 'nothing to compare'}` };
}

const LOOPBACK4 = /^127\./;

function decodeAddress(hex: string): string {
  const [addr, port] = hex.split(':') as [string, string];
  const p = Number.parseInt(port, 16);
  if (addr.length === 8) {
    const b = Buffer.from(addr, 'hex');
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${p}`;
  }
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = Buffer.from(addr.slice(i, i + 8), 'hex')
      .reverse()
      .toString('hex');
    words.push(w.slice(0, 4), w.slice(4));
  }
  const v6 = words.map((w) => w.replace(/^0+(?=.)/, '')).join(':');
  return `[${v6}]:${p}`;
}

/**
 * Every TCP socket the running appliance listens on (found through /proc: the processes
 * running `<appRoot>/bin/mpegflow.js start`) is on loopback or the configured host.
 */
export function checkListening(appRoot: string, configuredHost: string): DoctorCheck {
  const entry = join(appRoot, 'bin', 'mpegflow.js');
  const inodes = new Set<string>();
  let processes = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv.includes(entry) || !argv.includes('start')) continue;
    processes++;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(
          (() => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`);
            } catch {
              return '';
            }
          })(),
        );
        if (m) inodes.add(m[1] as string);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  if (processes === 0) return { name: 'listening', ok: true, detail: 'the appliance is not running: nothing listens' };
  const listening: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] as string)) continue;
      listening.push(decodeAddress(f[1] as string));
    }
  }
  const allowed = (a: string): boolean => {
    const host = a.slice(0, a.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    return LOOPBACK4.test(host) || host === '0:0:0:0:0:0:0:1' || host === configuredHost || host.replace(/^0:0:0:0:0:ffff:/, '') === configuredHost;
  };
  const bad = listening.filter((a) => !allowed(a));
  if (bad.length) return { name: 'listening', ok: false, detail: `listening on ${bad.join(', ')}: neither loopback nor the configured host ${configuredHost}` };
  return { name: 'listening', ok: true, detail: listening.length ? `only ${listening.join(', ')}` : 'no TCP listener found' };
}

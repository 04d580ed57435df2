import { realpathSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Hono } from 'hono';
import si from 'systeminformation';
import type { HttpEnv } from '../http-env.js';
import type { HostStatus } from '../schemas/system.js';

/** The file system holding `path`: the mount that is the longest prefix of its real path. */
function mountOf<T extends { mount: string }>(mounts: T[], path: string): T | undefined {
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // not there yet: match the path as given
  }
  return mounts
    .filter((m) => real === m.mount || real.startsWith(m.mount.endsWith('/') ? m.mount : `${m.mount}/`))
    .sort((a, b) => b.mount.length - a.mount.length)[0];
}

/** Host CPU, memory and the data dir's disk, read with systeminformation at each call. */
export async function hostStatus(dataDir: string): Promise<HostStatus> {
  const [load, mem, fs] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize()]);
  const disk = mountOf(fs, dataDir);
  return {
    cpu: {
      cores: load.cpus.length,
      loadPercent: Math.round(load.currentLoad * 10) / 10,
      perCore: load.cpus.map((c) => Math.round(c.load * 10) / 10),
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    memory: { totalBytes: mem.total, usedBytes: mem.total - mem.available, availableBytes: mem.available },
    disk: { path: dataDir, mount: disk?.mount ?? null, totalBytes: disk?.size ?? null, usedBytes: disk?.used ?? null, availableBytes: disk?.available ?? null },
  };
}

/** `GET /api/v1/system/host`: any role. */
export function hostRoutes(dataDir: string) {
  return new Hono<HttpEnv>().get('/system/host', async (c) => c.json(await hostStatus(dataDir)));
}

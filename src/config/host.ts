import { hostname } from 'node:os';
import si from 'systeminformation';

/** What the host offers; the source of derived defaults (pool cores, memory guard). */
export interface HostFacts {
  cores: number;
  memoryBytes: number;
  /** This host's name (a default name of the generated TLS certificate). */
  hostname?: string;
}

export async function readHostFacts(): Promise<HostFacts> {
  const [cpu, mem] = await Promise.all([si.cpu(), si.mem()]);
  return { cores: Math.max(1, cpu.cores || 1), memoryBytes: mem.total, hostname: hostname() };
}

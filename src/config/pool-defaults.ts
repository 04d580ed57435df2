import type { HostFacts } from './host.js';
import type { PoolConfig, PoolName } from './schema.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Pools derived from the host. Below 8 cores the encode pool gets every core (an encode
 * is the work; splitting 2 cores would halve it) and the light probe and package pools
 * share the last core. From 8 cores on, probe and package get cores 0 and 1 to themselves.
 */
export function defaultPools(host: HostFacts): Record<PoolName, PoolConfig> {
  const n = host.cores;
  const memoryLimitBytes = Math.floor(host.memoryBytes * 0.75);
  const split = n >= 8;
  return {
    probe: { cores: split ? [0] : [n - 1], slots: 2, timeoutSeconds: 120, memoryLimitBytes, maxAttempts: 3 },
    encode: { cores: split ? range(2, n) : range(0, n), slots: Math.max(1, Math.floor(n / 16)), timeoutSeconds: 12 * 3600, memoryLimitBytes, maxAttempts: 3 },
    package: { cores: split ? [1] : [n - 1], slots: 1, timeoutSeconds: 2 * 3600, memoryLimitBytes, maxAttempts: 3 },
  };
}

import { join } from 'node:path';
import type { PoolConfig } from '../../src/config/schema.js';
import type { RuntimeDeps } from '../../src/runtime/runtime-context.js';

const pool = (cores: number[], slots = 1): PoolConfig => ({ cores, slots, timeoutSeconds: 300, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 });

/** Pools and policies for runtime tests on a 2-core host. */
export function testRuntimeConfig(partialLadder: 'wait' | 'emit' = 'wait') {
  return {
    pools: { probe: pool([1], 2), encode: pool([0, 1]), package: pool([1]) },
    policies: { partialLadder, maxAttempts: 3, maxInterruptions: 10, interruptionBackoffSeconds: 0.1 },
    chunking: { enabled: true, thresholdSeconds: 300, chunkSeconds: 60 },
  };
}

/** The runtime settings tests share: fast ticks and back-off, the ultrafast preset, scratch and images under `data`. */
export function testRuntimeSettings(data: string): Pick<RuntimeDeps, 'scratchDir' | 'imagesDir' | 'x264Preset' | 'tickMs' | 'retryBaseMs'> {
  return { scratchDir: join(data, 'scratch'), imagesDir: join(data, 'images'), x264Preset: 'ultrafast', tickMs: 100, retryBaseMs: 100 };
}

import type { Config, PoolName } from '../config/schema.js';
import { StagePool, type PoolStatus } from './stage-pool.js';

/** The three pools — probe, encode, package — each isolated from the others. */
export class Supervisor {
  readonly pools: Record<PoolName, StagePool>;

  constructor(config: Pick<Config, 'pools'>) {
    this.pools = {
      probe: new StagePool('probe', config.pools.probe),
      encode: new StagePool('encode', config.pools.encode),
      package: new StagePool('package', config.pools.package),
    };
  }

  status(): PoolStatus[] {
    return Object.values(this.pools).map((p) => p.status());
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((p) => p.close()));
  }
}

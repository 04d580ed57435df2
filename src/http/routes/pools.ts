import { Hono } from 'hono';
import type { PoolStatus } from '../../supervisor/stage-pool.js';
import type { HttpEnv } from '../http-env.js';
import type { PoolList } from '../schemas/system.js';

/** `GET /api/v1/pools`: each pool's cores, slots, running and queued tasks, limits. */
export function poolRoutes(status: () => PoolStatus[]) {
  return new Hono<HttpEnv>().get('/pools', (c) => c.json({ items: status() } satisfies PoolList));
}

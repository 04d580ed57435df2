import type { PoolName } from '../config/schema.js';
import type { TaskKind } from '../store/jobs.js';

/** The pool each kind of task runs in: stitching (stream copy and checks) shares the package pool's cores. */
export const POOL_OF: Readonly<Record<TaskKind, PoolName>> = { probe: 'probe', encode: 'encode', stitch: 'package', package: 'package' };

/** The kinds of task a pool runs. */
export const kindsOf = (pool: PoolName): TaskKind[] => (Object.keys(POOL_OF) as TaskKind[]).filter((k) => POOL_OF[k] === pool);

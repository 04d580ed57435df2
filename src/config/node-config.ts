import { hostname } from 'node:os';
import { fromEnv, invalidSetting, type Env } from './env.js';
import type { Config, FileConfig, PoolName } from './schema.js';

const ROLES = ['api', 'worker'] as const;
const POOLS: readonly PoolName[] = ['probe', 'encode', 'package'];
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * This node's identity and roles (docs/cluster.md): `MPEGFLOW_NODE_ID` / `node.id` (default: the
 * host name), `MPEGFLOW_NODE_ROLES` / `node.roles` (default `api,worker`), `node.pools` (default
 * all three). A node that is not all of it is part of a cluster: it needs PostgreSQL and S3.
 */
export function nodeConfig(file: FileConfig, env: Env, database: Config['database'], storage: Config['storage']): Config['node'] {
  const id =
    fromEnv.string(env, 'MPEGFLOW_NODE_ID') ??
    file.node?.id ??
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63);
  if (!ID.test(id))
    throw invalidSetting('MPEGFLOW_NODE_ID', `"${id}" is not a node id: letters, digits, ".", "_" and "-", at most 63, starting with a letter or digit`);
  const rolesText = fromEnv.string(env, 'MPEGFLOW_NODE_ROLES');
  const roles = rolesText !== undefined ? rolesText.split(',').map((r) => r.trim()) : (file.node?.roles ?? [...ROLES]);
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw invalidSetting('MPEGFLOW_NODE_ROLES', `unknown role "${r}" (roles: api, worker)`);
  if (roles.length === 0) throw invalidSetting('MPEGFLOW_NODE_ROLES', 'a node needs at least one role (api, worker)');
  const worker = roles.includes('worker');
  const pools = worker ? (file.node?.pools ?? [...POOLS]) : [];
  if (worker && pools.length === 0) throw invalidSetting('node.pools', 'a worker runs at least one pool (probe, encode, package)');
  const whole = roles.length === ROLES.length && pools.length === POOLS.length;
  if (!whole && database.kind !== 'postgres') {
    throw invalidSetting(
      'MPEGFLOW_NODE_ROLES',
      'a node with only some roles or pools is part of a cluster: the nodes share one PostgreSQL store (MPEGFLOW_DATABASE_URL) and one S3 object store (docs/cluster.md)',
    );
  }
  if (!whole && storage.kind === 'embedded') {
    throw invalidSetting(
      'MPEGFLOW_S3_ENDPOINT',
      "a node with only some roles or pools is part of a cluster, and the nodes' objects must be shared: the embedded object store is one host's disk; set MPEGFLOW_S3_ENDPOINT (docs/cluster.md)",
    );
  }
  return { id, roles: roles as Config['node']['roles'], pools: [...new Set(pools)] };
}

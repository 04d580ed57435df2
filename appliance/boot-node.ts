import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { Duty } from '../src/cluster/duty.js';
import { startHeartbeat } from '../src/cluster/heartbeat.js';
import { joinCluster, leaveCluster, type NodeSelf } from '../src/cluster/membership.js';
import type { Config } from '../src/config/schema.js';
import { imageDirOnThisNode } from '../src/image-catalog/image-catalog.js';
import type { Logger } from '../src/log/logger.js';
import { leaseOwnerGone } from '../src/runtime/interruptions.js';
import type { RuntimeNode } from '../src/runtime/runtime-context.js';
import type { NodeLoad, NodeState } from '../src/store/nodes.js';
import type { Store } from '../src/store/store.js';

export interface BootedNode {
  self: NodeSelf;
  /** What the runtime needs to know of its node. */
  runtime: RuntimeNode;
  /** Duties run once in the cluster; on one host this node always holds them. */
  duties: { webhooks: Duty; lifecycle: Duty };
  /** Starts the heartbeat (with the runtime's running attempts as its load) and the duties. */
  start(load: () => NodeLoad['running']): Promise<void>;
  /** A clean stop: duties given up, heartbeat stopped, the node `stopped`. */
  stop(reason: string): Promise<void>;
}

/** Encoder images whose folder this node holds. */
async function imagesHere(store: Store, imagesDir: string): Promise<string[]> {
  return (await store.images.list()).filter((i) => existsSync(imageDirOnThisNode(i, imagesDir))).map((i) => i.id);
}

/**
 * This process joins the cluster as node `config.node.id` (docs/cluster.md): refused while
 * another live process holds the id, or when its objects are not shared and another node runs.
 * A whole node on SQLite is a cluster of one. Before recovery, so that recovery knows which
 * leases were this node's.
 */
export async function bootNode(options: {
  config: Config;
  store: Store;
  imagesDir: string;
  version: string;
  logger: Logger;
  out: (line: string) => void;
  actor: string;
}): Promise<BootedNode> {
  const { config, store, logger, out } = options;
  const host = hostname();
  const id = config.node.id;
  const process_ = `${id}/${host}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const cluster = store.dialect === 'postgres';
  let images = await imagesHere(store, options.imagesDir);
  const self: NodeSelf = {
    id,
    host,
    process: process_,
    roles: config.node.roles,
    pools: config.node.pools.map((name) => ({ name, cores: config.pools[name].cores, slots: config.pools[name].slots })),
    version: options.version,
    images,
    startedAt: new Date().toISOString(),
    heartbeatAt: Date.now(),
  };
  const joined = await joinCluster(store, self, {
    sharedObjects: config.storage.kind !== 'embedded',
    now: Date.now(),
    actor: options.actor,
    processGone: (owner, ownerHost) => leaseOwnerGone(owner, ownerHost, Number.MAX_SAFE_INTEGER),
  });
  for (const other of joined.otherVersions) {
    logger.warn(other, 'another node runs a different appliance version');
    out(`WARNING: node ${other.id} runs version ${other.version}, this node ${options.version} (a rolling upgrade? docs/cluster.md)`);
  }
  if (cluster)
    out(`Node ${id} (${config.node.roles.join(', ')}${config.node.pools.length ? `; pools ${config.node.pools.join(', ')}` : ''}) joined the cluster`);
  let state: NodeState | null = 'running';
  const api = config.node.roles.includes('api');
  const duty = (name: string) => new Duty({ store, name, owner: process_, logger });
  const duties = { webhooks: duty('webhook-dispatch'), lifecycle: duty('storage-lifecycle') };
  let heartbeat: { stop(): void } | undefined;
  return {
    self,
    runtime: {
      id,
      process: process_,
      pools: config.node.pools,
      // A whole node on SQLite runs every job; a cluster node only those pinned to an image it holds.
      images: () => (cluster ? images : null),
      draining: () => state !== 'running',
    },
    duties,
    async start(running) {
      heartbeat = startHeartbeat({
        store,
        nodeId: id,
        process: process_,
        logger,
        load: () => ({ running: running(), loadAverage: Math.round(loadavg()[0]! * 100) / 100 }),
        onState: (next) => {
          if (next !== state) {
            if (next === null) logger.error({ nodeId: id }, 'another process took over this node id: leasing nothing more');
            else logger.info({ nodeId: id, state: next }, next === 'draining' ? 'node draining: finishing what runs, leasing nothing new' : `node ${next}`);
          }
          state = next;
          if (cluster)
            void imagesHere(store, options.imagesDir)
              .then((ids) => (images = ids))
              .catch((err: unknown) => logger.warn({ err }, 'images of this node not refreshed (the store is unreachable)'));
        },
      });
      // Duties are the api role's; a worker-only node never holds one.
      if (api) await Promise.all([duties.webhooks.start(), duties.lifecycle.start()]);
    },
    async stop(reason) {
      heartbeat?.stop();
      await Promise.all([duties.webhooks.stop(), duties.lifecycle.stop()]);
      await leaveCluster(store, self, options.actor, reason).catch((err: unknown) => logger.warn({ err }, 'could not record the node leaving'));
    },
  };
}

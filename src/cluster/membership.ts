import { ApplianceError } from '../errors/appliance-error.js';
import { nodeLive, type NewNode, type NodeRecord } from '../store/nodes.js';
import type { Store } from '../store/store.js';

/** This process as a node: what it registers. */
export type NodeSelf = NewNode;

export interface Joined {
  /** The row this node had before (its last process), if any. */
  previous: NodeRecord | null;
  /** Other live nodes running another appliance version (a rolling upgrade, or a mistake). */
  otherVersions: Array<{ id: string; version: string }>;
}

/**
 * Joins the cluster: refused (`NODE_ID_IN_USE`) while another live process holds this node id
 * (`processGone` tells when the holder is this host's dead process: a restart after a crash
 * need not wait for the heartbeat to lapse), and (`CLUSTER_NEEDS_S3`) when the objects are not
 * shared but another node is alive. Audited `node.joined`.
 */
export async function joinCluster(
  store: Store,
  self: NodeSelf,
  options: { sharedObjects: boolean; now: number; actor: string; processGone: (process: string, host: string) => boolean },
): Promise<Joined> {
  return store.change(async (tx) => {
    const previous = (await tx.nodes.get(self.id)) ?? null;
    if (previous && previous.process !== self.process && nodeLive(previous, options.now)) {
      const dead = previous.host === self.host && options.processGone(previous.process, previous.host);
      if (!dead) {
        throw new ApplianceError(
          'NODE_ID_IN_USE',
          `node id ${self.id} is held by a live process (${previous.process}, heartbeat ${Math.round((options.now - previous.heartbeatAt) / 1000)} s ago): give this node another MPEGFLOW_NODE_ID, or stop that one`,
          { details: { nodeId: self.id, holder: previous.process } },
        );
      }
    }
    const others = (await store.nodes.list()).filter((n) => n.id !== self.id && nodeLive(n, options.now));
    if (!options.sharedObjects && others.length > 0) {
      throw new ApplianceError(
        'CLUSTER_NEEDS_S3',
        `node ${others[0]!.id} is also running against this store, and this node keeps objects on its own disk (the embedded object store): nodes of a cluster share one S3 object store; set MPEGFLOW_S3_ENDPOINT (docs/cluster.md)`,
        { details: { nodes: others.map((n) => n.id) } },
      );
    }
    const otherVersions = others.filter((n) => n.version !== self.version).map((n) => ({ id: n.id, version: n.version }));
    await tx.nodes.register(self);
    await tx.audit({
      type: 'node.joined',
      actor: options.actor,
      payload: {
        node: self as unknown as Record<string, unknown>,
        previous: previous ? { process: previous.process, state: previous.state, heartbeatAt: new Date(previous.heartbeatAt).toISOString() } : null,
        otherVersions,
      },
    });
    return { previous, otherVersions };
  });
}

/** A clean stop: the node is `stopped` (its leases were already given back). Audited `node.left`. */
export async function leaveCluster(store: Store, self: Pick<NodeSelf, 'id' | 'process'>, actor: string, reason: string): Promise<void> {
  await store.change(async (tx) => {
    const row = await tx.nodes.get(self.id);
    if (!row || row.process !== self.process) return;
    await tx.nodes.setState(self.id, 'stopped', new Date().toISOString());
    await tx.audit({ type: 'node.left', actor, payload: { nodeId: self.id, process: self.process, reason } });
  });
}

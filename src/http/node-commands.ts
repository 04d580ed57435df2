import { ApplianceError } from '../errors/appliance-error.js';
import { nodeLive, type NodeRecord, type NodeState } from '../store/nodes.js';
import type { Store } from '../store/store.js';
import type { ClusterNode } from './schemas/nodes.js';

/**
 * The operator's node commands, one rule for the API (`POST /api/v1/nodes/{id}/drain|resume`)
 * and the CLI (`mpegflow nodes drain|resume ID`): drain asks a node to finish what it runs and
 * lease nothing new (state `draining`, which its next heartbeat reads), resume lets it lease
 * again (`running`). Each change is audited with its actor; asking for the state a node is
 * already in changes nothing and records nothing.
 */
export type NodeCommand = 'drain' | 'resume';

const TARGET: Record<NodeCommand, NodeState> = { drain: 'draining', resume: 'running' };
const EVENT: Record<NodeCommand, string> = { drain: 'node.drain_requested', resume: 'node.resumed' };

export function nodeNotFound(id: string): ApplianceError {
  return new ApplianceError('NOT_FOUND', `no node ${JSON.stringify(id).slice(0, 120)}`);
}

/**
 * Drains or resumes node `id` (NOT_FOUND, or NODE_STOPPED for a stopped node: it runs nothing,
 * and registers itself anew at its next start). The state is read and written in one change.
 */
export async function commandNode(
  store: Store,
  id: string,
  command: NodeCommand,
  actor: string,
  now: Date = new Date(),
): Promise<{ node: NodeRecord; previousState: NodeState; changed: boolean }> {
  return store.change(async (tx) => {
    const node = await tx.nodes.get(id);
    if (!node) throw nodeNotFound(id);
    if (node.state === 'stopped') {
      throw new ApplianceError('NODE_STOPPED', `node ${id} is stopped (since ${node.stoppedAt ?? 'an unknown time'}): there is nothing to ${command}`);
    }
    const target = TARGET[command];
    if (node.state === target) return { node, previousState: node.state, changed: false };
    await tx.nodes.setState(id, target, now.toISOString());
    await tx.audit({ type: EVENT[command], actor, payload: { nodeId: id, previousState: node.state } });
    return { node: (await tx.nodes.get(id)) ?? { ...node, state: target }, previousState: node.state, changed: true };
  });
}

/** A node as the API answers it: its heartbeat as an ISO time, and whether it is live at `now`. */
export function nodeView(node: NodeRecord, now: number): ClusterNode {
  return {
    id: node.id,
    host: node.host,
    roles: node.roles,
    pools: node.pools.map((p) => ({ name: p.name, cores: p.cores, slots: p.slots })),
    version: node.version,
    images: node.images,
    state: node.state,
    live: nodeLive(node, now),
    startedAt: node.startedAt,
    heartbeatAt: new Date(node.heartbeatAt).toISOString(),
    load: {
      running: node.load.running.map((t) => ({ taskId: t.taskId, jobId: t.jobId, kind: t.kind })),
      loadAverage: node.load.loadAverage,
    },
    stoppedAt: node.stoppedAt,
  };
}

/** Node roles: `api` serves HTTP, the UI, /ws and webhooks and runs the cluster's duties; `worker` runs pools. */
export const nodeRoles = ['api', 'worker'] as const;
export type NodeRole = (typeof nodeRoles)[number];

export type NodeState = 'running' | 'draining' | 'stopped';

export interface NodePool {
  name: string;
  cores: number[];
  slots: number;
}

/** What a node reports with each heartbeat. */
export interface NodeLoad {
  running: Array<{ taskId: string; jobId: string; kind: string }>;
  /** 1-minute load average of its host. */
  loadAverage: number;
}

/** One node (one `mpegflow start` process) of the cluster (docs/cluster.md). */
export interface NodeRecord {
  id: string;
  host: string;
  /** The lease owner name of its current process. */
  process: string;
  roles: NodeRole[];
  pools: NodePool[];
  version: string;
  /** Encoder image ids it verified at start. */
  images: string[];
  state: NodeState;
  startedAt: string;
  /** Epoch ms. */
  heartbeatAt: number;
  load: NodeLoad;
  stoppedAt: string | null;
}

export type NewNode = Omit<NodeRecord, 'state' | 'stoppedAt' | 'load'>;

/** Node writes, inside `Store.change`. */
export interface NodeWrites {
  get(id: string): Promise<NodeRecord | undefined>;
  /** Inserts or replaces the node's row: state `running`, a new process, a fresh heartbeat. */
  register(node: NewNode): Promise<void>;
  setState(id: string, state: NodeState, at: string): Promise<void>;
}

export interface NodeReads {
  /** Every node that ever joined, by id. */
  list(): Promise<NodeRecord[]>;
  get(id: string): Promise<NodeRecord | undefined>;
  /**
   * The heartbeat: a direct write (like a lease renewal, too frequent to audit). Only the
   * node's current process may beat; returns the node's state (to see a drain request), or
   * null when another process now holds the id.
   */
  heartbeat(id: string, process: string, at: number, load: NodeLoad): Promise<NodeState | null>;
}

/** Duties run once in the cluster: a named lease on the store, claimed and renewed by one node at a time. */
export interface DutyLeases {
  /** Takes or renews the duty for `ttlMs` when it is free, lapsed, or already ours; true when we hold it. */
  claim(name: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives it up (a clean stop), if ours. */
  release(name: string, owner: string): Promise<void>;
}

/** A node beats every 5 s; one silent for longer than this is lost (its leases lapse to the survivors). */
export const NODE_HEARTBEAT_MS = 5_000;
export const NODE_STALE_MS = 20_000;

/** Whether a node is alive at `now`: not stopped, and its heartbeat is recent. */
export function nodeLive(node: Pick<NodeRecord, 'state' | 'heartbeatAt'>, now: number): boolean {
  return node.state !== 'stopped' && now - node.heartbeatAt <= NODE_STALE_MS;
}

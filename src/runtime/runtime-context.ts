import type { Config, PoolName } from '../config/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageRef } from '../images/encoder-process.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Job, Task } from '../store/jobs.js';
import type { Store, StoreTx } from '../store/store.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** The node this runtime runs on (docs/cluster.md); absent: the whole appliance on one host. */
export interface RuntimeNode {
  id: string;
  /** Its lease owner name, `id/host:pid:nonce` (default: made here); the node registry holds it. */
  process?: string;
  /** The pools this node runs (task-pools.ts: the task kinds it leases). */
  pools: readonly PoolName[];
  /** Encoder images this node holds: it leases only tasks of jobs pinned to one of them (null: any). */
  images(): readonly string[] | null;
  /** While true (a drain), nothing new is leased; what runs finishes. */
  draining(): boolean;
}

export interface RuntimeDeps {
  store: Store;
  node?: RuntimeNode;
  objects: ObjectStore;
  supervisor: Supervisor;
  bus: EventBus;
  config: Pick<Config, 'pools' | 'policies' | 'chunking'>;
  trust: TrustedKeys;
  logger: Logger;
  /** `<data>/scratch`: staged inputs and stage outputs, per job. */
  scratchDir: string;
  /** `<data>/images`: where orphaned encoders from a crashed run are found. */
  imagesDir: string;
  /** x264 preset for encodes (tests use ultrafast). */
  x264Preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow';
  /** Lease length; a lease not renewed in this time is re-queued. */
  leaseMs?: number;
  /** Scheduler poll interval. */
  tickMs?: number;
  /** Back-off base for retries (doubles per attempt). */
  retryBaseMs?: number;
  now?: () => number;
  /**
   * Fault injection for tests and drills: when it returns true for an encode attempt, that
   * attempt reads a master that does not exist, so the real ffmpeg really fails.
   */
  failEncodeAttempt?: (task: { rendition: string | null; attempt: number; /** a chunk task's index, else null */ chunk: number | null }) => boolean;
}

/** One attempt this process is running. */
export interface RunningAttempt {
  task: Task;
  abort: AbortController;
  fraction: number;
  /** Set when the appliance itself cut this attempt short (its shutdown): the end is an interruption, not a failure. */
  interruptedBy?: { cause: 'crash' | 'shutdown'; detail: string };
}

export interface RuntimeContext
  extends Omit<RuntimeDeps, 'leaseMs' | 'tickMs' | 'retryBaseMs' | 'now'>, Required<Pick<RuntimeDeps, 'leaseMs' | 'tickMs' | 'retryBaseMs' | 'now'>> {
  /** This process's lease owner name (`node/host:pid:nonce`). */
  owner: string;
  node: RuntimeNode;
  running: Map<string, RunningAttempt>;
  /** Commits a change with its audit events and publishes the job's new state afterwards. */
  commit<T>(jobId: string, fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  imageOf(job: Job): Promise<ImageRef>;
  kick(): void;
}

export const ACTOR_RUNTIME = 'system:runtime';

import type { Logger } from '../log/logger.js';
import { NODE_HEARTBEAT_MS, type NodeLoad, type NodeState } from '../store/nodes.js';
import type { Store } from '../store/store.js';

/**
 * The node's heartbeat: every `NODE_HEARTBEAT_MS` it writes its time and load, and reads back
 * its state (an operator's drain arrives this way). `onState` hears each state; `null` means
 * another process took this node id over (this one must lease nothing more).
 */
export function startHeartbeat(options: {
  store: Store;
  nodeId: string;
  process: string;
  load: () => NodeLoad;
  onState: (state: NodeState | null) => void;
  logger: Logger;
  now?: () => number;
  intervalMs?: number;
}): { beat(): Promise<void>; stop(): void } {
  const now = options.now ?? Date.now;
  let failing = false;
  const beat = async () => {
    try {
      const state = await options.store.nodes.heartbeat(options.nodeId, options.process, now(), options.load());
      if (failing) options.logger.info('node heartbeat written again');
      failing = false;
      options.onState(state);
    } catch (err) {
      if (!failing) options.logger.error({ err }, 'node heartbeat failed; retried');
      failing = true;
    }
  };
  const timer = setInterval(() => void beat(), options.intervalMs ?? NODE_HEARTBEAT_MS);
  timer.unref();
  return { beat, stop: () => clearInterval(timer) };
}

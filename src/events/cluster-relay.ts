import type { Logger } from '../log/logger.js';
import type { ClusterNotifications } from '../store/store.js';
import type { EventBus } from './event-bus.js';
import type { ApplianceEvent } from './events.js';
import { ProgressThrottle } from './throttle.js';

/** The NOTIFY channel live events travel on between the nodes of a cluster. */
export const EVENTS_CHANNEL = 'mpegflow_events';

/** Event types /ws shows that other nodes need to hear (metrics and webhook bookkeeping stay local). */
const RELAYED: ReadonlySet<ApplianceEvent['type']> = new Set(['job.state', 'task.state', 'task.progress', 'task.finished']);

const relayed = new WeakSet<ApplianceEvent>();

/**
 * Whether an event came from another node. Its origin already queued its webhooks and counted
 * it in its metrics, so those listeners skip it; /ws shows it like any other.
 */
export function isRelayed(event: ApplianceEvent): boolean {
  return relayed.has(event);
}

interface Envelope {
  from: string;
  event: ApplianceEvent;
}

/**
 * Live events across the nodes of a cluster: every node sends the events of its own bus
 * (progress at most 4 per second per job, as /ws shows it) with `pg_notify`; a node that
 * `listens` (the api role) puts the other nodes' events on its bus. At most once: an event
 * sent while a listener was reconnecting is missed (the job's state of record is in the store;
 * /ws clients read it on reconnect).
 */
export async function relayEvents(options: {
  bus: EventBus;
  notifications: ClusterNotifications;
  nodeId: string;
  listen: boolean;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const { bus, notifications, nodeId, logger } = options;
  let failing = false;
  const send = (event: ApplianceEvent) => {
    const envelope: Envelope = { from: nodeId, event };
    notifications
      .publish(EVENTS_CHANNEL, JSON.stringify(envelope))
      .then(() => (failing = false))
      .catch((err: unknown) => {
        if (!failing) logger.warn({ err }, 'live events not sent to the other nodes (the store is unreachable)');
        failing = true;
      });
  };
  const throttle = new ProgressThrottle(send);
  const unsubscribe = bus.subscribe((event) => {
    if (!relayed.has(event) && RELAYED.has(event.type)) throttle.push(event);
  });
  const stopListening = options.listen
    ? await notifications.listen(EVENTS_CHANNEL, (payload) => {
        let envelope: Envelope;
        try {
          envelope = JSON.parse(payload) as Envelope;
        } catch {
          return;
        }
        if (envelope.from === nodeId || !RELAYED.has(envelope.event?.type)) return;
        relayed.add(envelope.event);
        bus.publish(envelope.event);
      })
    : async () => undefined;
  return {
    stop: async () => {
      unsubscribe();
      throttle.close();
      await stopListening();
    },
  };
}

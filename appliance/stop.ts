import type { ServerType } from '@hono/node-server';
import type { BackupSchedule } from '../src/audit/backup-schedule.js';
import type { HeadSigner } from '../src/audit/head-signer.js';
import type { WebhookDispatcher } from '../src/events/webhooks/dispatcher.js';
import type { IngestService } from '../src/ingest/index.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { Store } from '../src/store/store.js';
import type { Supervisor } from '../src/supervisor/supervisor.js';
import type { BootedNode } from './boot-node.js';
import type { BootedStorage } from './boot-storage.js';

/**
 * A clean stop, in the order that loses nothing: /ws clients, the backup schedule, the port
 * (in-flight requests get 5 s), watch folders, the runtime, webhooks, the cluster (events
 * relay, duties, the node `stopped`), the pools, the object store; then `appliance.stopped` and a last signed head that covers it.
 */
export async function stopAppliance(
  server: ServerType,
  store: Store,
  parts: {
    storage: BootedStorage;
    supervisor: Supervisor;
    runtime: Runtime;
    webhooks: WebhookDispatcher;
    ingest: IngestService;
    closeWebSockets: () => void;
    backups?: BackupSchedule | null;
    heads: HeadSigner;
    node: BootedNode;
    relay: { stop(): Promise<void> } | null;
  },
  reason: string,
  actor: string,
): Promise<void> {
  parts.closeWebSockets();
  await parts.backups?.stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive connections would hold close() open; in-flight requests get a grace period.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, 5000).unref();
  });
  await parts.ingest.stop();
  await parts.runtime.stop(`the appliance stopped (${reason})`);
  await parts.webhooks.stop();
  await parts.relay?.stop();
  await parts.node.stop(reason);
  await parts.supervisor.close();
  await parts.storage.stop();
  await store.change(async (tx) => void (await tx.audit({ type: 'appliance.stopped', actor, payload: { reason } })));
  // The clean stop's head covers appliance.stopped: a cut after it is found too.
  try {
    await parts.heads.stop();
  } finally {
    await store.close();
  }
}

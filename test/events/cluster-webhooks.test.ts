// Webhooks in a cluster: the node where an event happens queues it (durably, once), the node
// holding the dispatch duty sends it; the api node that heard it relayed queues nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { relayEvents } from '../../src/events/cluster-relay.js';
import { EventBus } from '../../src/events/event-bus.js';
import { WebhookAllowList } from '../../src/events/webhooks/allow-list.js';
import { WebhookDispatcher } from '../../src/events/webhooks/dispatcher.js';
import { createLogger } from '../../src/log/logger.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { testDatabaseUrl } from '../helpers/postgres.js';
import { receiver, until } from './live-app.js';

const logger = createLogger('silent');

test('a worker queues its event, the api node holding the duty sends it, exactly once', async () => {
  const r = await receiver();
  const url = await testDatabaseUrl();
  const [worker, api] = await Promise.all([PostgresStore.open({ url }), PostgresStore.open({ url })]);
  await api.change(async (tx) => {
    await tx.webhooks.insert({ id: 'wh_c', url: r.url, secret: 'cluster-secret-0123456789', events: ['job.state'], source: 'api' });
    await tx.audit({ type: 'webhook.registered', actor: 'test', payload: { webhookId: 'wh_c' } });
  });
  const busW = new EventBus();
  const busA = new EventBus();
  const common = { logger, allowList: new WebhookAllowList([]), backoffBaseMs: 100, timeoutMs: 2000 };
  const onWorker = new WebhookDispatcher({ ...common, store: worker, bus: busW, sends: () => false, pollMs: 100 });
  const onApi = new WebhookDispatcher({ ...common, store: api, bus: busA, sends: () => true, pollMs: 100 });
  const relayW = await relayEvents({ bus: busW, notifications: worker.notifications!, nodeId: 'w', listen: false, logger });
  const relayA = await relayEvents({ bus: busA, notifications: api.notifications!, nodeId: 'a', listen: true, logger });
  onWorker.start();
  onApi.start();
  try {
    let heardOnApi = 0;
    busA.subscribe((e) => (heardOnApi += e.type === 'job.state' ? 1 : 0));
    busW.publish({ type: 'job.state', at: new Date().toISOString(), jobId: 'job_c', state: 'completed', progress: 1, errorCode: null });
    await onWorker.flushQueue();
    await r.waitFor(1);
    await until(async () => (await api.webhooks.deliveries('wh_c')).every((d) => d.status === 'delivered'), 5000, 'delivered');
    await new Promise((done) => setTimeout(done, 500));
    assert.is(heardOnApi, 1, 'the api node heard the event (its /ws shows it)');
    assert.is((await api.webhooks.deliveries('wh_c')).length, 1, 'queued once: by the worker, not again by the api node');
    assert.is(r.received.length, 1);
    assert.is((await api.audit.list({ type: 'webhook.event.queued' })).length, 1);
  } finally {
    await onWorker.stop();
    await onApi.stop();
    await relayW.stop();
    await relayA.stop();
    await Promise.all([worker.close(), api.close()]);
    await r.close();
  }
});

test.run();

// Live events between nodes over PostgreSQL NOTIFY/LISTEN (src/events/cluster-relay.ts): two
// nodes on one real database, each with its own bus, as two hosts would be.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRelayed, relayEvents } from '../../src/events/cluster-relay.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { ApplianceEvent } from '../../src/events/events.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { testDatabaseUrl } from '../helpers/postgres.js';

const at = () => new Date().toISOString();
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function twoNodes() {
  const url = await testDatabaseUrl();
  const [a, b] = await Promise.all([PostgresStore.open({ url }), PostgresStore.open({ url })]);
  const { logger } = memoryLogger();
  const busA = new EventBus();
  const busB = new EventBus();
  const relayA = await relayEvents({ bus: busA, notifications: a.notifications!, nodeId: 'worker-a', listen: false, logger });
  const relayB = await relayEvents({ bus: busB, notifications: b.notifications!, nodeId: 'api-b', listen: true, logger });
  const heardB: ApplianceEvent[] = [];
  const heardA: ApplianceEvent[] = [];
  busB.subscribe((e) => heardB.push(e));
  busA.subscribe((e) => heardA.push(e));
  return {
    busA,
    busB,
    heardA,
    heardB,
    close: async () => {
      await relayA.stop();
      await relayB.stop();
      await Promise.all([a.close(), b.close()]);
    },
  };
}

test('a worker node’s job and task events reach the api node’s bus, marked as relayed', async () => {
  const n = await twoNodes();
  try {
    n.busA.publish({ type: 'job.state', at: at(), jobId: 'j1', state: 'encoding', progress: 0.1 });
    n.busA.publish({ type: 'task.state', at: at(), jobId: 'j1', taskId: 't1', kind: 'encode', rendition: null, state: 'running', attempt: 1 });
    // Not relayed: bookkeeping of the node that made it.
    n.busA.publish({ type: 'webhook.delivery', at: at(), webhookId: 'w', deliveryId: 'd', attempt: 1, status: 'delivered', responseCode: 200 });
    for (let i = 0; i < 40 && n.heardB.length < 2; i++) await settle(50);
    await settle(200);
    assert.equal(
      n.heardB.map((e) => e.type),
      ['job.state', 'task.state'],
    );
    assert.ok(n.heardB.every(isRelayed));
    assert.not.ok(n.heardA.some(isRelayed), 'the origin’s own events are not relayed ones');
  } finally {
    await n.close();
  }
});

test('an api node puts nothing back: the api node’s own events do not echo onto its bus', async () => {
  const n = await twoNodes();
  try {
    n.busB.publish({ type: 'job.state', at: at(), jobId: 'j2', state: 'queued', progress: 0 });
    await settle(500);
    assert.equal(
      n.heardB.map((e) => [e.type, isRelayed(e)]),
      [['job.state', false]],
    );
  } finally {
    await n.close();
  }
});

test('progress crosses at most 4 times a second per job, and the last value arrives', async () => {
  const n = await twoNodes();
  try {
    const started = Date.now();
    for (let i = 1; i <= 100; i++) {
      n.busA.publish({ type: 'task.progress', at: at(), jobId: 'j3', taskId: 't3', kind: 'encode', rendition: null, fraction: i / 100, fps: 30, speed: 1 });
      await settle(10);
    }
    const seconds = (Date.now() - started) / 1000;
    n.busA.publish({ type: 'task.state', at: at(), jobId: 'j3', taskId: 't3', kind: 'encode', rendition: null, state: 'succeeded', attempt: 1 });
    for (let i = 0; i < 40 && !n.heardB.some((e) => e.type === 'task.state'); i++) await settle(50);
    const progress = n.heardB.filter((e): e is Extract<ApplianceEvent, { type: 'task.progress' }> => e.type === 'task.progress');
    assert.ok(progress.length <= Math.ceil(seconds * 4) + 1, `${progress.length} progress messages in ${seconds.toFixed(1)} s`);
    assert.ok(progress.length >= 2, `${progress.length} progress messages`);
    assert.is(progress.at(-1)?.fraction, 1, 'the newest progress is flushed before the state change');
    assert.is(n.heardB.at(-1)?.type, 'task.state');
  } finally {
    await n.close();
  }
});

test.run();

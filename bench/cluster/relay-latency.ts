// Part 4: live events between nodes. Two PostgresStore instances on one database stand for two
// nodes; each has its own EventBus and runs src/events/cluster-relay.ts `relayEvents` (as
// appliance/boot.ts does; both listen, like api nodes). `task.state` events published on node A's
// bus are timed until node B's bus hears each (same process, same clock: publish → pg_notify on
// A's pool → the server → B's LISTEN connection → B's bus).
import { EventBus } from '../../src/events/event-bus.js';
import type { ApplianceEvent } from '../../src/events/events.js';
import { relayEvents } from '../../src/events/cluster-relay.js';
import { createLogger } from '../../src/log/logger.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

export interface RelayScenario {
  label: string;
  events: number;
  received: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function relayLatencyBench(url: string, options: { events: number }): Promise<RelayScenario[]> {
  const logger = createLogger('silent');
  const a = await PostgresStore.open({ url });
  const b = await PostgresStore.open({ url });
  const busA = new EventBus();
  const busB = new EventBus();
  const relayA = await relayEvents({ bus: busA, notifications: a.notifications!, nodeId: 'node-a', listen: true, logger });
  const relayB = await relayEvents({ bus: busB, notifications: b.notifications!, nodeId: 'node-b', listen: true, logger });
  let sentAt = new Map<string, number>();
  let latencies: number[] = [];
  busB.subscribe((e) => {
    if (e.type !== 'task.state') return;
    const t = sentAt.get(e.taskId);
    if (t !== undefined) latencies.push(performance.now() - t);
  });
  const event = (scenario: string, i: number): ApplianceEvent => ({
    type: 'task.state',
    at: new Date().toISOString(),
    jobId: `job_${scenario}`,
    taskId: `task_${scenario}_${i}`,
    kind: 'encode',
    rendition: null,
    state: 'running',
    attempt: 1,
  });

  // Writers on both "nodes" appending to the audit chain as fast as they can (the busy case).
  let writing = false;
  const writer = async (store: PostgresStore, node: string) => {
    let i = 0;
    while (writing) {
      await store.change(async (tx) => {
        await tx.audit({ type: 'task.progress', actor: 'bench', jobId: `job_${node}`, payload: { taskId: `task_${node}`, fraction: i++ / 1e6 } });
      });
    }
  };

  const run = async (label: string, key: string, pacedMs: number | null): Promise<RelayScenario> => {
    sentAt = new Map();
    latencies = [];
    for (let i = 0; i < options.events; i++) {
      const e = event(key, i);
      sentAt.set(`task_${key}_${i}`, performance.now());
      busA.publish(e);
      if (pacedMs !== null) await sleep(pacedMs);
    }
    const until = performance.now() + 10_000;
    while (latencies.length < options.events && performance.now() < until) await sleep(20);
    const sorted = [...latencies].sort((x, y) => x - y);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    const r = { label, events: options.events, received: latencies.length, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: sorted[sorted.length - 1] ?? NaN };
    console.error(`  relay: ${label}: p50 ${r.p50Ms.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(2)} ms (${r.received}/${r.events})`);
    return r;
  };

  const out: RelayScenario[] = [];
  try {
    await run('warm-up', 'warm', 5);
    out.push(await run('paced, one event every 10 ms, idle database', 'paced', 10));
    out.push(await run(`burst, ${options.events} events at once`, 'burst', null));
    writing = true;
    const writers = [writer(a, 'a'), writer(b, 'b')];
    await sleep(500);
    out.push(await run('paced, one every 10 ms, both nodes appending to the audit chain non-stop', 'busy', 10));
    writing = false;
    await Promise.all(writers);
  } finally {
    writing = false;
    await relayA.stop();
    await relayB.stop();
    await a.close();
    await b.close();
  }
  return out;
}

// Cluster membership and duties on a real PostgreSQL store (src/cluster/membership.ts, duty.ts):
// one live process per node id (NODE_ID_IN_USE naming the holder) until its heartbeat lapses,
// it leaves, or — on the same host — its process is gone; no embedded-objects node beside a
// live one (CLUSTER_NEEDS_S3); other versions reported and audited; a duty held by one node at
// a time, handed over at once on a clean stop and after its ttl when the holder goes silent.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Duty } from '../../src/cluster/duty.js';
import { joinCluster, leaveCluster, type NodeSelf } from '../../src/cluster/membership.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { createLogger } from '../../src/log/logger.js';
import { leaseOwnerGone } from '../../src/runtime/interruptions.js';
import { NODE_STALE_MS } from '../../src/store/nodes.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { testDatabaseUrl } from '../helpers/postgres.js';

const logger = createLogger('silent');
const opened: PostgresStore[] = [];

test.after(async () => {
  await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
});

/** A new database, and a way to open it as another process would (a store with its own pool). */
async function database(): Promise<{ url: string; open(): Promise<PostgresStore>; query<R>(sql: string, params?: unknown[]): Promise<R[]> }> {
  const url = await testDatabaseUrl();
  return {
    url,
    open: async () => {
      const store = await PostgresStore.open({ url });
      opened.push(store);
      return store;
    },
    query: async <R>(sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as R[];
      } finally {
        await client.end();
      }
    },
  };
}

let nonce = 0;
/** One process of node `id` on `host` (pid `pid`), as appliance/boot-node.ts names it. */
function node(id: string, { pid = 1000 + ++nonce, ...over }: Partial<NodeSelf> & { pid?: number } = {}): NodeSelf {
  const host = over.host ?? 'host-a';
  return {
    id,
    host,
    process: `${id}/${host}:${pid}:${(++nonce).toString(16).padStart(6, '0')}`,
    roles: ['api', 'worker'],
    pools: [{ name: 'encode', cores: [0], slots: 1 }],
    version: '1.0.0',
    images: [],
    startedAt: new Date().toISOString(),
    heartbeatAt: Date.now(),
    ...over,
  };
}

const stillAlive = () => false;
const join = (store: Store, self: NodeSelf, over: Partial<Parameters<typeof joinCluster>[2]> = {}) =>
  joinCluster(store, self, { sharedObjects: true, now: Date.now(), actor: 'system', processGone: stillAlive, ...over });

async function refusal(p: Promise<unknown>): Promise<ApplianceError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw err;
  }
  throw new Error('expected a refusal, it joined');
}

async function joinedEvents(store: Store) {
  return (await store.audit.list({ type: 'node.joined' })).map(
    (e) => e.payload as { node: NodeSelf; previous: { process: string; state: string } | null; otherVersions: Array<{ id: string; version: string }> },
  );
}

test('a second process with the same node id while the first is live: NODE_ID_IN_USE, one line naming the holder', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const holder = node('n1');
  const joined = await join(first, holder);
  assert.equal(joined, { previous: null, otherVersions: [] });
  const intruder = node('n1');
  const err = await refusal(join(second, intruder));
  assert.is(err.code, 'NODE_ID_IN_USE');
  assert.not.match(err.message, /\n/);
  assert.ok(err.message.includes(holder.process), err.message);
  assert.match(err.message, /^node id n1 is held by a live process \(n1\/host-a:\d+:[0-9a-f]+, heartbeat \d+ s ago\)/);
  assert.equal(err.details, { nodeId: 'n1', holder: holder.process });
  // Nothing changed: the row is still the holder's, its heartbeat still lands; the refusal is not audited.
  assert.is((await second.nodes.get('n1'))?.process, holder.process);
  assert.is(await first.nodes.heartbeat('n1', holder.process, Date.now(), { running: [], loadAverage: 0 }), 'running');
  assert.is(await second.nodes.heartbeat('n1', intruder.process, Date.now(), { running: [], loadAverage: 0 }), null);
  assert.is((await joinedEvents(second)).length, 1);
  // The same process joining again (a re-join) is not a second holder.
  await join(first, { ...holder, heartbeatAt: Date.now() });
});

test('two processes racing for one node id at the same moment: exactly one joins', async () => {
  const db = await database();
  const stores = await Promise.all([db.open(), db.open(), db.open()]);
  const results = await Promise.allSettled(stores.map((s) => join(s, node('race'))));
  const ok = results.filter((r) => r.status === 'fulfilled');
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ApplianceError).code] : []));
  assert.is(ok.length, 1, JSON.stringify(results));
  assert.equal(refused, ['NODE_ID_IN_USE', 'NODE_ID_IN_USE']);
  assert.is((await joinedEvents(stores[0]!)).length, 1);
});

test('a lapsed heartbeat frees the id: at NODE_STALE_MS still held, after it taken (and the old process beats no more)', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const holder = node('n1');
  await join(first, holder);
  // The liveness rule at its edge, with the clock passed in.
  const beatAt = (await second.nodes.get('n1'))!.heartbeatAt;
  assert.is((await refusal(join(second, node('n1'), { now: beatAt + NODE_STALE_MS }))).code, 'NODE_ID_IN_USE');
  // The holder went silent: its last heartbeat is older than NODE_STALE_MS (written behind the store's back).
  await db.query('UPDATE nodes SET heartbeat_at = $1 WHERE id = $2', [Date.now() - NODE_STALE_MS - 1000, 'n1']);
  const taker = node('n1', { host: 'host-b' });
  const joined = await join(second, taker);
  assert.is(joined.previous?.process, holder.process);
  assert.is(joined.previous?.state, 'running');
  const row = await first.nodes.get('n1');
  assert.is(row?.process, taker.process);
  assert.is(row?.host, 'host-b');
  // The silent process, should it wake up, learns from its heartbeat that the id is no longer its own.
  assert.is(await first.nodes.heartbeat('n1', holder.process, Date.now(), { running: [], loadAverage: 0 }), null);
  const events = await joinedEvents(second);
  assert.is(events.length, 2);
  assert.is(events[1]!.node.process, taker.process);
  assert.is(events[1]!.previous?.process, holder.process);
});

test('leaveCluster: the node is stopped, audited node.left, and its id can be taken at once', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const holder = node('n1');
  await join(first, holder);
  // Another process's leave does not stop the holder.
  await leaveCluster(second, node('n1'), 'system', 'not mine');
  assert.is((await first.nodes.get('n1'))?.state, 'running');
  await leaveCluster(first, holder, 'system', 'SIGTERM');
  const row = await first.nodes.get('n1');
  assert.is(row?.state, 'stopped');
  assert.ok(row?.stoppedAt);
  const left = await first.audit.list({ type: 'node.left' });
  assert.equal(
    left.map((e) => e.payload),
    [{ nodeId: 'n1', process: holder.process, reason: 'SIGTERM' }],
  );
  // Its heartbeat was moments ago, yet the id is free.
  const next = node('n1');
  const joined = await join(second, next);
  assert.is(joined.previous?.state, 'stopped');
  assert.is((await second.nodes.get('n1'))?.state, 'running');
});

test('on the same host with the holder’s process gone the id is taken at once; on another host the process is not asked about', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const holder = node('n1', { host: 'host-a' });
  await join(first, holder);
  const asked: Array<[string, string]> = [];
  const gone = (process: string, host: string) => (asked.push([process, host]), true);
  // Another host: its pids say nothing about this one's, and a live heartbeat wins.
  assert.is((await refusal(join(second, node('n1', { host: 'host-b' }), { processGone: gone }))).code, 'NODE_ID_IN_USE');
  assert.equal(asked, []);
  // Same host, the holder's process alive: refused.
  assert.is((await refusal(join(second, node('n1'), { processGone: (p, h) => (asked.push([p, h]), false) }))).code, 'NODE_ID_IN_USE');
  // Same host, the holder's process gone: a restart after a crash need not wait for the heartbeat to lapse.
  const restarted = node('n1');
  const joined = await join(second, restarted, { processGone: gone });
  assert.is(joined.previous?.process, holder.process);
  assert.equal(asked, [
    [holder.process, 'host-a'],
    [holder.process, 'host-a'],
  ]);
  assert.is((await first.nodes.get('n1'))?.process, restarted.process);
});

test('with the real process check (leaseOwnerGone, as boot-node passes it): a live pid holds the id, the same pid exited frees it', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const host = hostname();
  const processGone = (owner: string, ownerHost: string) => leaseOwnerGone(owner, ownerHost, Number.MAX_SAFE_INTEGER);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await join(first, node('n1', { host, pid: child.pid! }));
    assert.is((await refusal(join(second, node('n1', { host, pid: process.pid + 1 }), { processGone }))).code, 'NODE_ID_IN_USE');
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const joined = await join(second, node('n1', { host }), { processGone });
  assert.match(joined.previous?.process ?? '', new RegExp(`:${child.pid}:`));
});

test('a node keeping objects on its own disk while another node is live: CLUSTER_NEEDS_S3; alone it may', async () => {
  const db = await database();
  const [first, second] = [await db.open(), await db.open()];
  const a = node('a');
  await join(first, a);
  const err = await refusal(join(second, node('b'), { sharedObjects: false }));
  assert.is(err.code, 'CLUSTER_NEEDS_S3');
  assert.not.match(err.message, /\n/);
  assert.match(err.message, /^node a is also running against this store/);
  assert.match(err.message, /MPEGFLOW_S3_ENDPOINT/);
  assert.equal(err.details, { nodes: ['a'] });
  assert.is(await second.nodes.get('b'), undefined);
  // A stopped node and a silent one do not count.
  await leaveCluster(first, a, 'system', 'stopped');
  await join(first, node('c'));
  await db.query('UPDATE nodes SET heartbeat_at = $1 WHERE id = $2', [Date.now() - NODE_STALE_MS - 1000, 'c']);
  await join(second, node('b'), { sharedObjects: false });
  assert.is((await second.nodes.get('b'))?.state, 'running');
});

test('other live nodes on another version are returned and recorded in node.joined; silent or same-version ones are not', async () => {
  const db = await database();
  const store = await db.open();
  await join(store, node('a', { version: '1.0.0' }));
  await join(store, node('b', { version: '1.0.0' }));
  await join(store, node('c', { version: '1.1.0' }));
  await join(store, node('old', { version: '0.9.0' }));
  await db.query('UPDATE nodes SET heartbeat_at = $1 WHERE id = $2', [Date.now() - NODE_STALE_MS - 1000, 'old']);
  const joined = await join(store, node('d', { version: '1.1.0' }));
  assert.equal(joined.otherVersions, [
    { id: 'a', version: '1.0.0' },
    { id: 'b', version: '1.0.0' },
  ]);
  const last = (await joinedEvents(store)).at(-1)!;
  assert.is(last.node.id, 'd');
  assert.is(last.node.version, '1.1.0');
  assert.equal(last.otherVersions, joined.otherVersions);
  assert.ok((await store.audit.verify()).ok);
});

/** A store whose duty claims fail while `silent` (the holder cut off from the database, or hung). */
function cutOff(store: Store): { store: Store; silent: boolean; lastClaim: number } {
  const state = { silent: false, lastClaim: 0, store: store };
  state.store = new Proxy(store, {
    get(target, key) {
      if (key !== 'duties') return Reflect.get(target, key) as unknown;
      return {
        claim: async (name: string, owner: string, now: number, ttlMs: number) => {
          if (state.silent) throw new Error('connection lost');
          const held = await target.duties.claim(name, owner, now, ttlMs);
          if (held) state.lastClaim = now;
          return held;
        },
        release: (name: string, owner: string) => target.duties.release(name, owner),
      };
    },
  });
  return state;
}

test('a duty: two nodes claim it, one holds; a clean stop hands it over on the other’s next claim', async () => {
  const db = await database();
  const [one, two] = [await db.open(), await db.open()];
  const changes: string[] = [];
  const duty = (store: Store, owner: string) =>
    new Duty({ store, name: 'sweep', owner, logger, ttlMs: 2000, renewMs: 500, onChange: (held) => changes.push(`${owner}:${held}`) });
  const d1 = duty(one, 'n1/host-a:1:aaaaaa');
  const d2 = duty(two, 'n2/host-b:2:bbbbbb');
  assert.is(await d1.claim(), true);
  assert.is(await d2.claim(), false);
  assert.is(await d1.claim(), true, 'the holder renews');
  assert.is(await d2.claim(), false);
  assert.equal([d1.held(), d2.held()], [true, false]);
  const [row] = await db.query<{ owner: string; expires_at: string }>('SELECT owner, expires_at FROM duties WHERE name = $1', ['sweep']);
  assert.is(row?.owner, 'n1/host-a:1:aaaaaa');
  await d1.stop();
  assert.is(d1.held(), false);
  assert.equal(await db.query('SELECT owner FROM duties'), []);
  assert.is(await d2.claim(), true, 'taken at once, long before the ttl');
  assert.is(await d1.claim(), false);
  assert.equal(changes, ['n1/host-a:1:aaaaaa:true', 'n2/host-b:2:bbbbbb:true']);
  await d2.stop();
});

test('a duty whose holder goes silent passes to the other node after ttlMs, never before, and never to both at once', async () => {
  const db = await database();
  const a = cutOff(await db.open());
  const b = cutOff(await db.open());
  const ttlMs = 1200;
  const renewMs = 200;
  const heldSince: Record<string, number> = {};
  const duty = (store: Store, owner: string) =>
    new Duty({ store, name: 'webhook-dispatch', owner, logger, ttlMs, renewMs, onChange: (held) => held && (heldSince[owner] = Date.now()) });
  const d1 = duty(a.store, 'n1');
  await d1.start();
  const d2 = duty(b.store, 'n2');
  await d2.start();
  let both = 0;
  const sampler = setInterval(() => void (d1.held() && d2.held() && both++), 10);
  try {
    // Both renew for several ttls: the holder keeps it.
    await new Promise((r) => setTimeout(r, 3 * ttlMs));
    assert.equal([d1.held(), d2.held()], [true, false]);
    // The holder is cut off: it stops running the duty at its next failed renewal, the other waits out the ttl.
    a.silent = true;
    for (let i = 0; i < 100 && !d2.held(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.is(d2.held(), true, 'the other node took the duty');
    assert.is(d1.held(), false, 'the silent holder no longer runs it');
    // The holder's last successful renewal (one in flight when it was cut off may have landed).
    const after = heldSince.n2! - a.lastClaim;
    assert.ok(after > ttlMs, `taken ${after} ms after the last renewal, not before the ttl (${ttlMs} ms)`);
    assert.ok(after < ttlMs + renewMs + 500, `taken ${after} ms after the last renewal: within one claim period of the ttl`);
    // Back online, the old holder does not take it back while the new one renews.
    a.silent = false;
    await new Promise((r) => setTimeout(r, 3 * renewMs));
    assert.equal([d1.held(), d2.held()], [false, true]);
    assert.is(both, 0, 'never held by both nodes at once');
  } finally {
    clearInterval(sampler);
    await d1.stop();
    await d2.stop();
  }
});

test.run();

// The operator's view of the cluster's nodes over the API: the list (with liveness at request
// time), drain and resume (audited, idempotent, NOT_FOUND / NODE_STOPPED), and who may do what.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeList, nodeRoleNames, nodeSchema, nodeStates } from '../../src/http/schemas/nodes.js';
import type { NewNode, NodeRole, NodeState } from '../../src/store/nodes.js';
import type { Role } from '../../src/store/store.js';
import { testApp } from '../helpers/test-app.js';

// Compile-time: the API's node roles and states are exactly the store's (tsc fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRoles: Same<NodeRole, (typeof nodeRoleNames)[number]> = true;
const sameStates: Same<NodeState, (typeof nodeStates)[number]> = true;

let f: Awaited<ReturnType<typeof testApp>>;
const IMAGE = 'a'.repeat(64);

async function register(node: Partial<NewNode> & { id: string }): Promise<void> {
  await f.store.change(async (tx) => {
    await tx.nodes.register({
      host: `${node.id}.facility.internal`,
      process: `${node.id}:1234:boot`,
      roles: ['api', 'worker'],
      pools: [{ name: 'encode', cores: [2, 3], slots: 2 }],
      version: '1.2.3',
      images: [IMAGE],
      startedAt: '2026-12-05T08:00:00.000Z',
      heartbeatAt: Date.now(),
      ...node,
    });
    await tx.audit({ type: 'node.joined', actor: 'test', payload: { nodeId: node.id } });
  });
}

test.before(async () => {
  f = await testApp();
  // live: beat just now, running two tasks.
  await register({ id: 'node-live' });
  await f.store.nodes.heartbeat('node-live', 'node-live:1234:boot', Date.now(), {
    running: [
      { taskId: 'task_1', jobId: 'job_1', kind: 'encode' },
      { taskId: 'task_2', jobId: 'job_2', kind: 'probe' },
    ],
    loadAverage: 1.5,
  });
  // lost: silent for a minute.
  await register({ id: 'node-lost', roles: ['worker'], heartbeatAt: Date.now() - 60_000 });
  // stopped: a clean stop.
  await register({ id: 'node-stopped', roles: ['api'], pools: [], images: [] });
  await f.store.change(async (tx) => {
    await tx.nodes.setState('node-stopped', 'stopped', '2026-12-05T09:00:00.000Z');
    await tx.audit({ type: 'node.stopped', actor: 'test', payload: { nodeId: 'node-stopped' } });
  });
});
test.after(async () => {
  await f.store.close();
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const list = async (role: Role = 'viewer') => {
  const res = await f.app.request('/api/v1/nodes', f.auth(role));
  assert.is(res.status, 200);
  return (await res.json()) as { items: Array<Record<string, unknown> & { id: string; state: string; live: boolean }> };
};
const post = (role: Role, id: string, command: 'drain' | 'resume') =>
  f.app.request(`/api/v1/nodes/${encodeURIComponent(id)}/${command}`, { method: 'POST', ...f.auth(role) });
const nodeEvents = async () => (await f.store.audit.list()).filter((e) => e.type === 'node.drain_requested' || e.type === 'node.resumed');
const tokenActor = async (role: Role) => `token:${(await f.store.tokens.list()).find((t) => t.name === role)!.id}`;

test('the API lists the store’s node roles and states', () => {
  assert.ok(sameRoles && sameStates);
});

test('GET /nodes: every node with its fields, live at request time, for every role; the body is exactly the schema', async () => {
  const body = await list();
  const parsed = nodeList.safeParse(body);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.equal(parsed.data, body, 'a field the schema does not declare');
  assert.equal(
    body.items.map((n) => [n.id, n.state, n.live]),
    [
      ['node-live', 'running', true],
      ['node-lost', 'running', false],
      ['node-stopped', 'stopped', false],
    ],
  );
  const live = body.items[0]!;
  assert.equal(Object.keys(live).sort(), [
    'heartbeatAt',
    'host',
    'id',
    'images',
    'live',
    'load',
    'pools',
    'roles',
    'startedAt',
    'state',
    'stoppedAt',
    'version',
  ]);
  assert.is(live['host'], 'node-live.facility.internal');
  assert.equal(live['roles'], ['api', 'worker']);
  assert.equal(live['pools'], [{ name: 'encode', cores: [2, 3], slots: 2 }]);
  assert.equal(live['images'], [IMAGE]);
  assert.is(live['version'], '1.2.3');
  assert.is(live['startedAt'], '2026-12-05T08:00:00.000Z');
  assert.match(String(live['heartbeatAt']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.now() - Date.parse(String(live['heartbeatAt'])) < 10_000);
  assert.equal(live['load'], {
    running: [
      { taskId: 'task_1', jobId: 'job_1', kind: 'encode' },
      { taskId: 'task_2', jobId: 'job_2', kind: 'probe' },
    ],
    loadAverage: 1.5,
  });
  assert.is(live['stoppedAt'], null);
  assert.is(body.items[2]!['stoppedAt'], '2026-12-05T09:00:00.000Z');
  for (const role of ['admin', 'operator', 'auditor'] as const) assert.equal((await list(role)).items.length, 3, role);
  const anonymous = await f.app.request('/api/v1/nodes');
  assert.is(anonymous.status, 401);
  assert.is((await errorOf(anonymous)).code, 'UNAUTHENTICATED');
});

test('a node that beats again is live again; one that falls silent is lost (20 s)', async () => {
  await f.store.nodes.heartbeat('node-lost', 'node-lost:1234:boot', Date.now() - 19_000, { running: [], loadAverage: 0 });
  assert.ok((await list()).items.find((n) => n.id === 'node-lost')!.live, 'beat 19 s ago: live');
  await f.store.nodes.heartbeat('node-lost', 'node-lost:1234:boot', Date.now() - 21_000, { running: [], loadAverage: 0 });
  assert.not.ok((await list()).items.find((n) => n.id === 'node-lost')!.live, 'beat 21 s ago: lost');
});

test('drain (operator) and resume (admin): the state changes, each audited with its actor and the previous state; again is a no-op', async () => {
  const before = (await nodeEvents()).length;
  const drained = await post('operator', 'node-live', 'drain');
  assert.is(drained.status, 200);
  const node = (await drained.json()) as Record<string, unknown>;
  assert.ok(nodeSchema.safeParse(node).success);
  assert.is(node['id'], 'node-live');
  assert.is(node['state'], 'draining');
  assert.is(node['live'], true, 'a draining node is still live');
  assert.is((await list()).items.find((n) => n.id === 'node-live')!.state, 'draining');
  assert.is((await f.store.nodes.get('node-live'))!.state, 'draining');
  let events = await nodeEvents();
  assert.is(events.length, before + 1);
  assert.is(events.at(-1)!.type, 'node.drain_requested');
  assert.is(events.at(-1)!.actor, await tokenActor('operator'));
  assert.equal(events.at(-1)!.payload, { nodeId: 'node-live', previousState: 'running' });

  // Draining a draining node: 200, the node as it is, no new event.
  const again = await post('admin', 'node-live', 'drain');
  assert.is(again.status, 200);
  assert.is(((await again.json()) as { state: string }).state, 'draining');
  assert.is((await nodeEvents()).length, before + 1, 'no event for a drain that changes nothing');

  const resumed = await post('admin', 'node-live', 'resume');
  assert.is(resumed.status, 200);
  assert.is(((await resumed.json()) as { state: string }).state, 'running');
  assert.is((await f.store.nodes.get('node-live'))!.state, 'running');
  events = await nodeEvents();
  assert.is(events.length, before + 2);
  assert.is(events.at(-1)!.type, 'node.resumed');
  assert.is(events.at(-1)!.actor, await tokenActor('admin'));
  assert.equal(events.at(-1)!.payload, { nodeId: 'node-live', previousState: 'draining' });

  const resumedAgain = await post('operator', 'node-live', 'resume');
  assert.is(resumedAgain.status, 200);
  assert.is(((await resumedAgain.json()) as { state: string }).state, 'running');
  assert.is((await nodeEvents()).length, before + 2, 'no event for a resume that changes nothing');

  // A lost node can be drained too: it reads the request when it beats again.
  const lost = await post('operator', 'node-lost', 'drain');
  assert.is(lost.status, 200);
  assert.equal([((await lost.json()) as { state: string }).state, (await nodeEvents()).length], ['draining', before + 3]);
  assert.ok((await f.store.audit.verify()).ok, 'the chain verifies');
});

test('an unknown node is 404 NOT_FOUND, a stopped one 409 NODE_STOPPED; nothing changes, nothing is audited', async () => {
  const before = (await nodeEvents()).length;
  for (const command of ['drain', 'resume'] as const) {
    for (const id of ['node-nope', '../../x', 'x'.repeat(500)]) {
      const res = await post('admin', id, command);
      assert.is(res.status, 404, `${command} ${id.slice(0, 20)}`);
      const error = await errorOf(res);
      assert.is(error.code, 'NOT_FOUND');
      assert.ok(error.message.length < 200, 'the message does not echo a long id');
    }
    const stopped = await post('operator', 'node-stopped', command);
    assert.is(stopped.status, 409, command);
    const error = await errorOf(stopped);
    assert.is(error.code, 'NODE_STOPPED');
    assert.match(error.message, /node-stopped is stopped/);
  }
  assert.is((await f.store.nodes.get('node-stopped'))!.state, 'stopped');
  assert.is((await nodeEvents()).length, before);
});

test('viewers and auditors may not drain or resume (403 FORBIDDEN); nothing changes', async () => {
  const before = (await nodeEvents()).length;
  const state = (await f.store.nodes.get('node-live'))!.state;
  for (const role of ['viewer', 'auditor'] as const) {
    for (const command of ['drain', 'resume'] as const) {
      const res = await post(role, 'node-live', command);
      assert.is(res.status, 403, `${role} ${command}`);
      assert.is((await errorOf(res)).code, 'FORBIDDEN');
    }
    // An unknown node is refused the same way: the role is checked first.
    assert.is((await post(role, 'node-nope', 'drain')).status, 403);
  }
  assert.is((await f.app.request('/api/v1/nodes/node-live/drain', { method: 'POST' })).status, 401);
  assert.is((await f.store.nodes.get('node-live'))!.state, state);
  assert.is((await nodeEvents()).length, before);
});

test('the OpenAPI document lists the node routes with their roles and schemas', async () => {
  const res = await f.app.request('/api/v1/openapi.json', f.auth('viewer'));
  const doc = (await res.json()) as {
    paths: Record<string, Record<string, { description?: string; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  const ref = (path: string, method: string, status: string) => doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema?.$ref;
  assert.is(ref('/api/v1/nodes', 'get', '200'), '#/components/schemas/NodeList');
  assert.is(ref('/api/v1/nodes/{id}/drain', 'post', '200'), '#/components/schemas/Node');
  assert.is(ref('/api/v1/nodes/{id}/resume', 'post', '200'), '#/components/schemas/Node');
  assert.ok(doc.paths['/api/v1/nodes/{id}/drain']!['post']!.responses['409']);
  assert.is(doc.paths['/api/v1/nodes/{id}/drain']!['post']!.description, 'Roles: admin, operator.');
  assert.is(doc.paths['/api/v1/nodes']!['get']!.description, 'Roles: admin, operator, viewer, auditor.');
  assert.ok(doc.components.schemas['Node']?.properties?.['live']);
});

test.run();

// `mpegflow nodes` on the store directly (like `mpegflow users`): the table, drain and resume
// with the API's rule, events and codes, the actor `system:cli`.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('nodes (list), nodes drain ID, nodes resume ID: the table, audited changes, NOT_FOUND, NODE_STOPPED, usage', async () => {
  const cwd = tempDir('mpegflow-nodes-');
  const noDb = runCli(['nodes'], { cwd });
  assert.is(noDb.code, 1, 'no database yet: a clear error');
  assert.match(noDb.stderr, /mpegflow init/);
  assert.is(runCli(['init'], { cwd }).code, 0);
  const empty = runCli(['nodes'], { cwd });
  assert.is(empty.code, 0, empty.stderr);
  assert.is(empty.stdout.trim(), 'no nodes');

  const store = new SqliteStore({ path: join(cwd, 'data', 'mpegflow.db') });
  try {
    const now = Date.now();
    await store.change(async (tx) => {
      for (const [id, heartbeatAt, roles] of [
        ['node-a', now, ['api', 'worker']],
        ['node-b', now - 5 * 60_000, ['worker']],
        ['node-c', now - 3 * 3600_000, ['api']],
      ] as const) {
        await tx.nodes.register({
          id,
          host: `${id}.internal`,
          process: `${id}:1:x`,
          roles: [...roles],
          pools: [{ name: 'encode', cores: [0, 1], slots: 2 }],
          version: '9.8.7',
          images: ['f'.repeat(64)],
          startedAt: new Date(now - 4 * 3600_000).toISOString(),
          heartbeatAt,
        });
      }
      await tx.nodes.setState('node-c', 'stopped', new Date(now).toISOString());
      await tx.audit({ type: 'node.joined', actor: 'test', payload: { nodes: 3 } });
    });
    await store.nodes.heartbeat('node-a', 'node-a:1:x', now, { running: [{ taskId: 't1', jobId: 'j1', kind: 'encode' }], loadAverage: 0.5 });

    for (const args of [['nodes'], ['nodes', 'list']]) {
      const listed = runCli(args, { cwd });
      assert.is(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trimEnd().split('\n');
      assert.is(lines.length, 4, listed.stdout);
      assert.match(lines[0]!, /^ID\s+HOST\s+ROLES\s+STATE\s+LIVE\s+HEARTBEAT\s+TASKS\s+VERSION$/);
      assert.match(lines[1]!, /^node-a\s+node-a\.internal\s+api,worker\s+running\s+live\s+\d+s ago\s+1\s+9\.8\.7$/);
      assert.match(lines[2]!, /^node-b\s+node-b\.internal\s+worker\s+running\s+lost\s+5m\d\ds ago\s+0\s+9\.8\.7$/);
      assert.match(lines[3]!, /^node-c\s+node-c\.internal\s+api\s+stopped\s+-\s+(2h59m|3h00m) ago\s+0\s+9\.8\.7$/);
      // Columns line up: each header starts where its cells start.
      const at = lines[0]!.indexOf('STATE');
      for (const line of lines.slice(1)) assert.match(line.slice(at), /^(running|stopped)/);
    }

    const events = async () => (await store.audit.list()).filter((e) => e.type.startsWith('node.') && e.type !== 'node.joined');
    const drain = runCli(['nodes', 'drain', 'node-a'], { cwd });
    assert.is(drain.code, 0, drain.stderr);
    assert.match(drain.stdout, /Node node-a: draining \(was running\)/);
    assert.is((await store.nodes.get('node-a'))!.state, 'draining');
    assert.match(runCli(['nodes'], { cwd }).stdout, /^node-a\s+\S+\s+\S+\s+draining\s+live/m);
    const again = runCli(['nodes', 'drain', 'node-a'], { cwd });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, /already draining/);
    const resume = runCli(['nodes', 'resume', 'node-a'], { cwd });
    assert.is(resume.code, 0, resume.stderr);
    assert.match(resume.stdout, /Node node-a: running \(was draining\)/);
    assert.is((await store.nodes.get('node-a'))!.state, 'running');
    assert.match(runCli(['nodes', 'resume', 'node-a'], { cwd }).stdout, /already running/);
    assert.equal(
      (await events()).map((e) => [e.type, e.actor, e.payload]),
      [
        ['node.drain_requested', 'system:cli', { nodeId: 'node-a', previousState: 'running' }],
        ['node.resumed', 'system:cli', { nodeId: 'node-a', previousState: 'draining' }],
      ],
    );

    const unknown = runCli(['nodes', 'drain', 'node-z'], { cwd });
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, /^mpegflow: no node "node-z"$/m);
    const stopped = runCli(['nodes', 'resume', 'node-c'], { cwd });
    assert.is(stopped.code, 1);
    assert.match(stopped.stderr, /node node-c is stopped/);
    assert.is(runCli(['nodes', 'drain', 'node-c'], { cwd }).code, 1);
    assert.is((await store.nodes.get('node-c'))!.state, 'stopped');
    assert.is((await events()).length, 2, 'refusals are not audited');

    assert.is(runCli(['nodes', 'drain'], { cwd }).code, 2, 'no ID');
    assert.is(runCli(['nodes', 'drain', 'a', 'b'], { cwd }).code, 2, 'two IDs');
    assert.is(runCli(['nodes', 'list', 'x'], { cwd }).code, 2);
    const bad = runCli(['nodes', 'reboot', 'node-a'], { cwd });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /unknown nodes command reboot/);
    assert.match(runCli(['--help'], { cwd }).stdout, /nodes drain ID/);
    assert.ok((await store.audit.verify()).ok);
  } finally {
    await store.close();
  }
});

test.run();

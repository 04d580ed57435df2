import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { OFFLINE } from '../cli/deb-cache-seed.js';
import { killServers, startServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { receiver } from '../events/live-app.js';

test.after(() => killServers());

test('the real appliance: config webhooks synced, /ws authenticated, /metrics served, stop closes live clients', async () => {
  const r = await receiver();
  const cwd = tempDir();
  mkdirSync(join(cwd, 'data'), { recursive: true });
  writeFileSync(join(cwd, 'data', 'config.json'), JSON.stringify({ webhooks: [{ url: r.url, secret: 'appliance-secret-0123456789' }] }));
  const s = await startServer({ cwd, env: OFFLINE });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const wsUrl = s.url.replace(/^http/, 'ws');

  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${wsUrl}/ws`);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
  assert.is(refused, 401);

  const client = new WebSocket(`${wsUrl}/ws`, ['mpegflow.v1', `bearer.${token}`]);
  const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
    client.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
    client.once('error', reject);
  });
  assert.is(hello.type, 'hello');
  const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));

  const hooks = (await (await fetch(`${s.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    items: Array<{ url: string; source: string }>;
  };
  assert.equal(
    hooks.items.map((w) => [w.url, w.source]),
    [[r.url, 'config']],
  );
  const refusedTarget = await fetch(`${s.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'http://files.example.org/hook' }),
  });
  assert.is(refusedTarget.status, 400);

  const metrics = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /mpegflow_jobs\{state="queued"\} 0/);
  assert.match(text, /mpegflow_pool_queue_depth\{pool="encode"\} 0/);

  const began = Date.now();
  const signal = new Promise<string | null>((resolve) => s.child.once('exit', (_code, sig) => resolve(sig)));
  const code = await s.stop();
  assert.is(code, 0, `exit ${code}, signal ${await signal}:\n${s.output()}`);
  assert.ok(Date.now() - began < 10_000, `stop took ${Date.now() - began} ms with a live WebSocket client`);
  assert.is(await closed, 1001);

  const db = new Database(join(cwd, 'data', 'mpegflow.db'), { readonly: true });
  const registered = db.prepare("SELECT actor, payload FROM audit_events WHERE type = 'webhook.registered'").all() as Array<{ actor: string; payload: string }>;
  db.close();
  assert.is(registered.length, 1);
  assert.is(registered[0]?.actor, 'system');
  assert.not.match(registered[0]?.payload ?? '', /appliance-secret/);
  await r.close();
});

test.run();

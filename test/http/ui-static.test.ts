// The built UI (ui/dist, made by `npm install`) as the server hands it out, and the host status route.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import { uiDistDir } from '../../src/http/routes/ui.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testApp } from '../helpers/test-app.js';

test('GET / serves the built page with a same-origin-only CSP; its assets are local and immutable', async () => {
  const { app, store } = await testApp();
  const res = await app.request('/');
  assert.is(res.status, 200, `the UI is built into ${uiDistDir} by npm install (npm run build:ui)`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.not.match(csp, /https?:/);
  const html = await res.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
  assert.ok(assets.length >= 2, html);
  for (const url of assets) {
    assert.ok(url.startsWith('/assets/'), `${url} is not a local asset`);
    const a = await app.request(url);
    assert.is(a.status, 200, url);
    assert.match(a.headers.get('cache-control') ?? '', /immutable/);
  }
  const missing = await app.request('/assets/nope.js');
  assert.is(missing.status, 404);
  assert.is(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  await store.close();
});

test('an unbuilt UI is a clear 503, not a crash', async () => {
  const store = new SqliteStore({ path: join(tempDir(), 'db.sqlite') });
  const app = createApp({ store, logger: memoryLogger().logger, health: new Health(), uiDist: join(tempDir(), 'nothing-here') });
  const res = await app.request('/');
  assert.is(res.status, 503);
  assert.match(await res.text(), /npm install/);
  await store.close();
});

test('files beside the dist folder are never served (no path tricks)', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  const store = new SqliteStore({ path: join(tempDir(), 'db.sqlite') });
  const app = createApp({ store, logger: memoryLogger().logger, health: new Health(), uiDist: join(root, 'dist') });
  for (const path of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
    const res = await app.request(path);
    assert.is.not(res.status, 200, path);
  }
  await store.close();
});

test('GET /api/v1/system/host: CPU, memory and the data dir disk (any role)', async () => {
  const { app, store, auth } = await testApp();
  const res = await app.request('/api/v1/system/host', auth('viewer'));
  assert.is(res.status, 200);
  const h = (await res.json()) as {
    cpu: { cores: number; loadPercent: number };
    memory: { totalBytes: number; usedBytes: number };
    disk: { totalBytes: number | null; mount: string | null };
  };
  assert.ok(h.cpu.cores >= 1);
  assert.ok(h.cpu.loadPercent >= 0 && h.cpu.loadPercent <= 100);
  assert.ok(h.memory.totalBytes > h.memory.usedBytes && h.memory.usedBytes > 0);
  assert.ok(h.disk.totalBytes !== null && h.disk.totalBytes > 0 && h.disk.mount !== null, JSON.stringify(h.disk));
  assert.is((await app.request('/api/v1/system/host')).status, 401);
  await store.close();
});

test.run();

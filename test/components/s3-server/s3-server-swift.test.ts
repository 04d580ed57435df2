// The supervised S3 server with a real S3 server: the s3-swift fixture (OpenStack Swift + s3api)
// packaged as a signed, hash-pinned component (test/fixtures/s3-component/), run by the same
// supervisor that runs MinIO in production, with a real S3 ObjectStore against it.
// Fails (never skips) when the fixture cannot run here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { openStore } from '../../../src/storage/create-store.js';
import { portFree } from '../../../src/components/s3-server/process-group.js';
import { S3ServerSupervisor, s3StoreConfig, type S3ServerEndpoint, type S3ServerEvent } from '../../../src/components/s3-server/s3-server-supervisor.js';
import { processesMentioning, requireS3SwiftFixture, swiftComponent, testSigner, waitFor } from '../../fixtures/s3-component/build-component.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { freePort } from '../../storage/s3-fixture.js';

const events: S3ServerEvent[] = [];
let sup: S3ServerSupervisor | undefined;
let dataDir = '';
let componentDir = '';
let endpoint: S3ServerEndpoint | undefined;
const prefix = `c${Date.now().toString(36)}-`;

test.before(async () => {
  try {
    await requireS3SwiftFixture();
  } catch (err) {
    // uvu does not print a failing hook's error: say why, then fail (never skip)
    console.error(`\n!!! ${(err as Error).message}\n`);
    process.exitCode = 1;
    throw err;
  }
  const signer = await testSigner();
  componentDir = await swiftComponent(signer);
  dataDir = tempDir('mpegflow-data-');
  sup = new S3ServerSupervisor({
    componentDir,
    dataDir,
    trust: signer.trust,
    port: await freePort(),
    startTimeoutMs: 60_000,
    healthIntervalMs: 200,
    stopGraceMs: 10_000,
    restart: { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 200, maxDelayMs: 2000 },
    onEvent: (e) => void events.push(e),
  });
});
test.after(async () => {
  await sup?.stop();
});

const body = (s: string): Readable => Readable.from([Buffer.from(s)]);
async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8');
  return out;
}
async function withStore<T>(work: (store: ObjectStore) => Promise<T>): Promise<T> {
  if (!endpoint) throw new Error('not started');
  const store = await openStore(s3StoreConfig(endpoint, { bucketPrefix: prefix }));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

test('a verified s3-swift component starts, passes /healthcheck, and an S3 ObjectStore round-trips', async () => {
  const t0 = Date.now();
  endpoint = await sup!.start();
  console.log(`  s3-swift component healthy in ${Date.now() - t0} ms at ${endpoint.endpoint}`);
  assert.is(endpoint.endpoint, `http://127.0.0.1:${sup!.port}`);
  assert.equal([endpoint.accessKey, endpoint.secretKey, endpoint.region], ['test:tester', 'testing', 'us-east-1']);
  assert.is(endpoint.name, 's3-swift-fixture');
  assert.is(events[0]?.type, 'started');
  // the health check is Swift's /healthcheck; an unsigned S3 request is refused by the fixture
  assert.is((await fetch(`${endpoint.endpoint}/healthcheck`)).status, 200);
  assert.is((await fetch(`${endpoint.endpoint}/some-bucket/key`)).status, 403);
  const put = await withStore(async (store) => {
    const r = await store.put('input', 'masters/a.txt', body('hello, supervised S3'));
    assert.is(await text(await store.get('input', 'masters/a.txt')), 'hello, supervised S3');
    return r;
  });
  assert.is(put.size, 20);
  // the server's state lives under <data>/s3-server/
  assert.match(readFileSync(join(dataDir, 's3-server', 'data', 'etc', 'proxy-server.conf'), 'utf8'), /bind_ip = 127\.0\.0\.1/);
  assert.ok(existsSync(join(dataDir, 's3-server', 'data', 'srv', 'node', 'd1')));
  assert.match(readFileSync(join(dataDir, 's3-server', 'server.log'), 'utf8'), /launch 1: component s3-swift-fixture/);
});

test('kill -9 of the S3 server process → restarted, serves again, data kept', async () => {
  const proxyPid = Number(readFileSync(join(dataDir, 's3-server', 'data', 'run', 'proxy.pid'), 'utf8').trim());
  const leader = sup!.pid;
  const t0 = Date.now();
  process.kill(proxyPid, 'SIGKILL');
  await waitFor(() => events.filter((e) => e.type === 'started').length === 2, 60_000, 'the restart');
  console.log(`  restarted and healthy ${Date.now() - t0} ms after kill -9`);
  assert.equal(
    events.map((e) => e.type),
    ['started', 'exited', 'restarting', 'started'],
  );
  const exited = events[1];
  assert.ok(exited?.type === 'exited' && exited.reason === 'crashed' && exited.code === 1, JSON.stringify(exited));
  assert.is(sup!.state, 'running');
  assert.is.not(sup!.pid, leader);
  await withStore(async (store) => {
    assert.is(await text(await store.get('input', 'masters/a.txt')), 'hello, supervised S3');
    await store.put('output', 'job-1/hls/master.m3u8', body('#EXTM3U\n'));
    assert.is(await text(await store.get('output', 'job-1/hls/master.m3u8')), '#EXTM3U\n');
  });
});

test('stop() leaves no process behind', async () => {
  const marker = join(dataDir, 's3-server');
  assert.ok(processesMentioning(marker).length >= 4, 'the four Swift servers run');
  const t0 = Date.now();
  await sup!.stop();
  console.log(`  stopped in ${Date.now() - t0} ms`);
  assert.is(sup!.state, 'stopped');
  assert.equal(processesMentioning(marker), []);
  assert.equal(processesMentioning(componentDir), []);
  assert.ok(await portFree('127.0.0.1', sup!.port));
  const last = events.at(-1);
  assert.ok(last?.type === 'exited' && last.reason === 'stopped', JSON.stringify(last));
});

test.run();

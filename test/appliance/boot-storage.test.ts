import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootAtRest } from '../../appliance/boot-at-rest.js';
import { writeKekFile } from '../helpers/kek-file.js';
import { bootStorage } from '../../appliance/boot-storage.js';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { Health } from '../../src/http/health.js';
import { createLogger } from '../../src/log/logger.js';
import type { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { s3Env } from '../storage/s3-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 8 * 2 ** 30 };
const logger = createLogger('silent');
const noTrust = { keys: [] };
const DAY = 24 * 3600 * 1000;

test('the embedded store opens at start, and every lifecycle deletion is audited first', async () => {
  const cwd = tempDir();
  const config = loadConfig({ env: {}, host, cwd });
  const store = new SqliteStore({ path: join(cwd, 'mpegflow.db') });
  const health = new Health();
  const booted = await bootStorage(config, store, noTrust, health, logger, null);
  assert.ok(health.report().checks.objectStore?.ok);
  const objects = booted.objects as EmbeddedStore;
  await objects.put('intermediate', 'job-old/720p.mp4', Readable.from([Buffer.from('old')]));
  await objects.setModified('intermediate', 'job-old/720p.mp4', new Date(Date.now() - 8 * DAY));
  await objects.put('input', 'used.mov', Readable.from([Buffer.from('master')]));
  await objects.setModified('input', 'used.mov', new Date(Date.now() - 40 * DAY));
  await objects.put('input', 'forgotten.mov', Readable.from([Buffer.from('master')]));
  await objects.setModified('input', 'forgotten.mov', new Date(Date.now() - 40 * DAY));
  await store.change(async (tx) => {
    await tx.jobs.insert({
      id: 'j1',
      state: 'completed',
      inputKey: 'used.mov',
      inputSha256: null,
      inputSize: null,
      ladder: 'professional',
      packaging: ['hls'],
      encoderImage: 'x',
      policy: { partialLadder: 'wait' },
      idempotencyKey: null,
      requestHash: null,
      submittedBy: 'test',
    });
    await tx.audit({ type: 'job.submitted', actor: 'test', jobId: 'j1' });
  });
  const report = await booted.sweep();
  assert.equal(report?.deleted.map((d) => d.key).sort(), ['forgotten.mov', 'job-old/720p.mp4']);
  const events = await store.audit.list({ type: 'storage.object_deleted' });
  assert.equal(events.map((e) => (e.payload as { key: string }).key).sort(), ['forgotten.mov', 'job-old/720p.mp4']);
  await objects.stat('input', 'used.mov'); // a processed master is kept
  await booted.stop();
  await store.close();
});

test('external S3: opens against a real S3 server; a wrong secret is STORAGE_AUTH at start-up', async () => {
  const s3 = await s3Env();
  if (!s3) return;
  try {
    const cwd = tempDir();
    const store = new SqliteStore({ path: join(cwd, 'mpegflow.db') });
    const env = {
      MPEGFLOW_S3_ENDPOINT: s3.endpoint,
      MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
      MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
      MPEGFLOW_KEK_FILE: writeKekFile(cwd),
    };
    const health = new Health();
    const config = loadConfig({ env, host, cwd });
    const atRest = await bootAtRest(config, store, logger, 'test');
    const booted = await bootStorage(config, store, noTrust, health, logger, atRest);
    assert.match(booted.describe, /^S3 at http:\/\/127\.0\.0\.1:\d+, encrypted at rest under kek-/);
    const put = await booted.objects.put('input', 'boot-check.bin', Readable.from([Buffer.from('hello')]));
    assert.is(put.size, 5);
    await booted.stop();
    try {
      await bootStorage(loadConfig({ env: { ...env, MPEGFLOW_S3_SECRET_KEY: 'wrong-secret' }, host, cwd }), store, noTrust, new Health(), logger, atRest);
      assert.unreachable('a wrong secret must stop start-up');
    } catch (err) {
      assert.instance(err, ApplianceError);
      assert.is((err as ApplianceError).code, 'STORAGE_AUTH');
      assert.not.match((err as Error).message, /\n/);
    }
    await store.close();
  } finally {
    s3.stop();
  }
});

test('the bundled S3 server and an external endpoint together are a config error', () => {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'c.json'), JSON.stringify({ storage: { s3Server: { component: '/opt/minio', port: 9000 } } }));
  try {
    loadConfig({
      env: { MPEGFLOW_S3_ENDPOINT: 'http://127.0.0.1:1', MPEGFLOW_S3_ACCESS_KEY: 'a', MPEGFLOW_S3_SECRET_KEY: 'b', MPEGFLOW_CONFIG: join(cwd, 'c.json') },
      host,
      cwd,
    });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /^MPEGFLOW_S3_ENDPOINT: cannot be used together with storage\.s3Server/);
  }
  const ok = loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'c.json'), MPEGFLOW_KEK_FILE: writeKekFile(cwd) }, host, cwd });
  assert.equal(ok.storage, { kind: 'bundled-s3', component: '/opt/minio', host: '127.0.0.1', port: 9000 });
});

test.run();

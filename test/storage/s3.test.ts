import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { S3Store } from '../../src/storage/s3-store.js';
import { BUCKETS } from '../../src/storage/object-store.js';
import { encryptedOver } from '../helpers/encrypted-store.js';
import { defineContract, expectCode } from './contract.js';
import { freePort, s3Env, type S3Env } from './s3-fixture.js';

// One fixture for both suites of this file: started on first use, stopped when the last suite ends.
let envPromise: Promise<S3Env | undefined> | undefined;
const env = (): Promise<S3Env | undefined> => (envPromise ??= s3Env());
const runId = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

async function dropBuckets(store: S3Store): Promise<void> {
  // Best effort: leave a shared server as we found it.
  for (const bucket of BUCKETS) {
    const name = store.bucketName(bucket);
    try {
      const page = await store.client.listObjectsQuery(name, '', '', { Delimiter: '', MaxKeys: 1000, IncludeVersion: true });
      for (const o of page.objects ?? []) {
        const item = o as { name?: string; versionId?: string };
        if (item.name !== undefined) await store.client.removeObject(name, item.name, item.versionId ? { versionId: item.versionId } : {});
      }
      await store.client.removeBucket(name);
    } catch {
      // ignore
    }
  }
}

defineContract('s3 (minio client)', async () => {
  const e = await env();
  if (e === undefined) return undefined;
  const store = new S3Store({ endpoint: e.endpoint, accessKey: e.accessKey, secretKey: e.secretKey, bucketPrefix: `${runId}-` });
  await store.open();
  return {
    store,
    cleanup: async () => {
      await dropBuckets(store);
      await store.close();
    },
  };
});

// The same suite through client-side encryption: the S3 server only ever sees sealed bytes.
defineContract('encrypted over s3', async () => {
  const e = await env();
  if (e === undefined) return undefined;
  const inner = new S3Store({ endpoint: e.endpoint, accessKey: e.accessKey, secretKey: e.secretKey, bucketPrefix: `${runId}e-` });
  const target = await encryptedOver(inner);
  return {
    store: target.store,
    cleanup: async () => {
      await dropBuckets(inner);
      await target.cleanup();
    },
  };
});

const body = (s: string): Readable => Readable.from([Buffer.from(s)]);

const b = suite<{ env?: S3Env }>('s3 store: bad input', {});
b.before(async (ctx) => {
  const e = await env();
  if (e !== undefined) ctx.env = e;
});
b.after(async (ctx) => {
  ctx.env?.stop();
});

b('open() created versioned input/output buckets', async (ctx) => {
  if (!ctx.env) return;
  const store = new S3Store({ endpoint: ctx.env.endpoint, accessKey: ctx.env.accessKey, secretKey: ctx.env.secretKey, bucketPrefix: `${runId}v-` });
  try {
    await store.open();
    assert.is(store.versioning.get('input'), true);
    assert.is(store.versioning.get('output'), true);
    assert.is(store.versioning.get('intermediate'), false);
    assert.ok(await store.client.bucketExists(`${runId}v-intermediate`));
    await store.open(); // idempotent
  } finally {
    await dropBuckets(store);
    await store.close();
  }
});

b('a wrong secret: open() and check() fail with STORAGE_AUTH', async (ctx) => {
  if (!ctx.env) return;
  const store = new S3Store({ endpoint: ctx.env.endpoint, accessKey: ctx.env.accessKey, secretKey: 'wrong-secret', bucketPrefix: `${runId}-` });
  const err = await expectCode(() => store.open(), 'STORAGE_AUTH', 'open');
  assert.match(err.message, /credentials/);
  await expectCode(() => store.check(), 'STORAGE_AUTH', 'check');
  await expectCode(() => store.put('input', 'x', body('x')), 'STORAGE_AUTH', 'put');
  await expectCode(() => store.stat('input', 'x'), 'STORAGE_AUTH', 'stat (HEAD)');
  await store.close();
});

b('a missing bucket: STORAGE_NO_BUCKET (and open() without createBuckets)', async (ctx) => {
  if (!ctx.env) return;
  const store = new S3Store({
    endpoint: ctx.env.endpoint,
    accessKey: ctx.env.accessKey,
    secretKey: ctx.env.secretKey,
    bucketPrefix: `${runId}missing-`,
    createBuckets: false,
  });
  await expectCode(() => store.put('input', 'a', body('x')), 'STORAGE_NO_BUCKET', 'put');
  await expectCode(
    async () => {
      for await (const _ of store.list('output')) void _;
    },
    'STORAGE_NO_BUCKET',
    'list',
  );
  await expectCode(() => store.open(), 'STORAGE_NO_BUCKET', 'open');
  await store.close();
});

b('a server that is down: retried with back-off, then STORAGE_UNAVAILABLE in bounded time', async () => {
  const port = await freePort(); // closed loopback port: connection refused
  const store = new S3Store({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'a', secretKey: 'b', retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 400 } });
  for (const [what, op] of [
    ['check', () => store.check()],
    ['open', () => store.open()],
    ['stat', () => store.stat('input', 'x')],
    ['put', () => store.put('input', 'x', body('x'))],
    ['get', () => store.get('output', 'x')],
  ] as const) {
    const started = Date.now();
    const err = await expectCode(op, 'STORAGE_UNAVAILABLE', what);
    const took = Date.now() - started;
    assert.ok(took >= 50 + 100 + 200 && took < 3000, `${what}: retried with back-off then gave up (${took} ms)`);
    assert.match(err.message, /after 4 attempts/);
    assert.is((err as { status?: number }).status, 503);
  }
  await store.close();
});

b('an invalid endpoint is refused up front', async () => {
  assert.throws(() => new S3Store({ endpoint: 'not a url', accessKey: 'a', secretKey: 'b' }), /endpoint/);
});

b.run();

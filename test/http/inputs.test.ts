import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from '../../appliance/listen.js';
import { apiApp, insertJob, type ErrorBody } from './jobs-api-fixture.js';

let f: Awaited<ReturnType<typeof apiApp>>;
test.before(async () => {
  f = await apiApp();
});
test.after(async () => {
  await f.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const put = (name: string, body: Buffer | ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) =>
  f.app.request(`/api/v1/inputs/${name}`, { method: 'PUT', body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);

async function missing(key: string): Promise<boolean> {
  try {
    await f.objects.stat('input', key);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'STORAGE_NOT_FOUND';
  }
}

test('an upload is stored with its sha256 and size, answered 201 and audited as input.uploaded', async () => {
  const bytes = randomBytes(300_000);
  const res = await put('promo.mov', bytes, f.auth('operator', { 'content-type': 'application/octet-stream' }));
  assert.is(res.status, 201);
  assert.equal(await res.json(), { key: 'promo.mov', sha256: sha(bytes), size: bytes.length });
  const info = await f.objects.stat('input', 'promo.mov');
  assert.is(info.sha256, sha(bytes));
  assert.is(info.size, bytes.length);
  const events = await f.store.audit.list({ type: 'input.uploaded' });
  assert.is(events.length, 1);
  const uploadId = (events[0]!.payload as { uploadId: string }).uploadId;
  assert.match(uploadId, /^[0-9a-z]+-[0-9a-f]{16}$/);
  assert.equal(events[0]!.payload, { key: 'promo.mov', uploadId, sha256: sha(bytes), size: bytes.length, versionId: info.versionId });
  const started = (await f.store.audit.list({ type: 'input.upload_started' })).filter((e) => (e.payload as { key: string }).key === 'promo.mov');
  assert.equal(
    started.map((e) => ({ ...(e.payload as object), contentLength: undefined })),
    [{ key: 'promo.mov', uploadId, inUse: false, contentLength: undefined }],
    'audited before the first byte was stored, with the id its end carries',
  );
  assert.ok(started[0]!.seq < events[0]!.seq);
  assert.is(events[0]!.actor, `token:${f.tokenIds.operator}`);
  assert.equal(f.serverErrors(), []);
});

test('uploads are exempt from the 1 MiB JSON body limit and may be chunked (no Content-Length)', async () => {
  const bytes = randomBytes(3 * 1024 * 1024);
  const chunks = [bytes.subarray(0, 1 << 20), bytes.subarray(1 << 20, 2 << 20), bytes.subarray(2 << 20)];
  const stream = Readable.toWeb(Readable.from(chunks)) as ReadableStream<Uint8Array>;
  const res = await put('big%20master.mxf', stream, f.auth('admin'));
  assert.is(res.status, 201, await res.clone().text());
  assert.equal(await res.json(), { key: 'big master.mxf', sha256: sha(bytes), size: bytes.length });
});

test('roles and tokens: viewer and auditor 403, no/wrong/expired token 401; nothing stored', async () => {
  const cases: Array<[Record<string, string>, number, string]> = [
    [f.auth('viewer'), 403, 'FORBIDDEN'],
    [f.auth('auditor'), 403, 'FORBIDDEN'],
    [{}, 401, 'UNAUTHENTICATED'],
    [{ authorization: 'Bearer not-a-token' }, 401, 'UNAUTHENTICATED'],
    [f.auth('expired'), 401, 'UNAUTHENTICATED'],
  ];
  for (const [headers, status, code] of cases) {
    const res = await put('refused.mov', Buffer.from('x'), headers);
    assert.is(res.status, status, code);
    assert.is(((await res.json()) as ErrorBody).error.code, code);
  }
  assert.ok(await missing('refused.mov'));
});

test('bad names are 400 INPUT_NAME_INVALID: traversal, slashes (even encoded), control characters, reserved, too long', async () => {
  // Dot segments are resolved by URL parsing before routing: no input route is reached.
  for (const name of ['..', '%2E%2E', '.']) assert.is((await put(name, Buffer.from('data'), f.auth('operator'))).status, 404, name);
  for (const name of ['a%2Fb.mov', '..%2F..%2Fetc%2Fpasswd', '%2Fetc', 'a%5Cb', 'bad%00name', 'tab%09name', '.mpegflow-meta', 'x'.repeat(201)]) {
    const res = await put(name, Buffer.from('data'), f.auth('operator'));
    assert.is(res.status, 400, name);
    const body = (await res.json()) as ErrorBody;
    assert.is(body.error.code, 'INPUT_NAME_INVALID', name);
  }
  const listed: string[] = [];
  for await (const o of f.objects.list('input')) listed.push(o.key);
  assert.not.ok(
    listed.some((k) => k.includes('etc') || k.includes('meta') || k.startsWith('x')),
    listed.join(','),
  );
  assert.equal(f.serverErrors(), []);
});

test('an empty body is 400 INPUT_EMPTY and stores nothing', async () => {
  const res = await put('empty.mov', Buffer.alloc(0), f.auth('operator'));
  assert.is(res.status, 400);
  assert.is(((await res.json()) as ErrorBody).error.code, 'INPUT_EMPTY');
  const chunked = await put('empty2.mov', Readable.toWeb(Readable.from([Buffer.alloc(0)])) as ReadableStream<Uint8Array>, f.auth('operator'));
  assert.is(chunked.status, 400);
  assert.ok(await missing('empty.mov'));
  assert.ok(await missing('empty2.mov'));
});

test('an input a job used is never replaced: same bytes 200 unchanged, other bytes 409 INPUT_IN_USE', async () => {
  const original = randomBytes(10_000);
  assert.is((await put('used.mov', original, f.auth('operator'))).status, 201);
  await insertJob(f.store, 'job_used1', 'used.mov', 'queued');
  const same = await put('used.mov', original, f.auth('operator'));
  assert.is(same.status, 200);
  assert.equal(await same.json(), { key: 'used.mov', sha256: sha(original), size: original.length, unchanged: true });
  const other = await put('used.mov', randomBytes(10_000), f.auth('operator'));
  assert.is(other.status, 409);
  assert.is(((await other.json()) as ErrorBody).error.code, 'INPUT_IN_USE');
  assert.is((await f.objects.stat('input', 'used.mov')).sha256, sha(original), 'the original is intact');
  assert.is((await f.objects.listVersions('input', 'used.mov')).length, 1, 'no new version');
  const staged: string[] = [];
  for await (const o of f.objects.list('intermediate', 'uploads/')) staged.push(o.key);
  assert.equal(staged, [], 'the staging copy is gone');
  assert.is((await f.store.audit.list({ type: 'input.uploaded' })).filter((e) => (e.payload as { key: string }).key === 'used.mov').length, 1);
  // Both uploads over the used input are closed in the audit trail (else a restart would take them for uploads a crash cut).
  const ofUsed = async (type: string) => (await f.store.audit.list({ type })).filter((e) => (e.payload as { key: string }).key === 'used.mov');
  assert.is((await ofUsed('input.upload_unchanged')).length, 1);
  assert.equal(
    (await ofUsed('input.upload_failed')).map((e) => (e.payload as { code: string }).code),
    ['INPUT_IN_USE'],
  );
});

test('over real HTTP a 256 MiB upload streams: resident memory stays flat, the hash is right', async () => {
  const { server, port } = await listen(f.app.fetch, '127.0.0.1', 0);
  try {
    const total = 256 * 1024 * 1024;
    const chunk = randomBytes(1 << 20);
    const hash = createHash('sha256');
    for (let i = 0; i < total / chunk.length; i++) hash.update(chunk);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'PUT', path: '/api/v1/inputs/huge.mxf', headers: { ...f.auth('operator'), 'content-length': String(total) } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    clearInterval(sampler);
    assert.is(result.status, 201, result.body);
    assert.equal(JSON.parse(result.body), { key: 'huge.mxf', sha256: hash.digest('hex'), size: total });
    const grown = (peak - before) / 2 ** 20;
    assert.ok(grown < 96, `RSS grew by ${grown.toFixed(0)} MiB during a 256 MiB upload`);
  } finally {
    server.close();
    if ('closeAllConnections' in server) server.closeAllConnections();
  }
});

test('an upload cut off mid-way stores nothing and is not logged as a server error', async () => {
  const { server, port } = await listen(f.app.fetch, '127.0.0.1', 0);
  try {
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: '/api/v1/inputs/cut.mxf',
        headers: { ...f.auth('operator'), 'content-length': String(64 << 20) },
      });
      req.on('error', () => resolve());
      req.write(randomBytes(2 << 20), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await missing('cut.mxf'));
    assert.equal(f.serverErrors(), []);
    const failed = (await f.store.audit.list({ type: 'input.upload_failed' })).map((e) => e.payload as { key: string; code: string });
    assert.equal(
      failed.filter((p) => p.key === 'cut.mxf').map((p) => p.code),
      ['UPLOAD_ABORTED'],
      'the started upload is closed by its failure',
    );
  } finally {
    server.close();
    if ('closeAllConnections' in server) server.closeAllConnections();
  }
});

test.run();

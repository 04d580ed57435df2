import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { deleteJobIntermediates, sweepLifecycle, type DeleteEvent } from '../../src/storage/lifecycle.js';
import type { Bucket, ObjectStore } from '../../src/storage/object-store.js';
import { pseudoRandomBytes, pseudoRandomStream, readAll, sha256Hex, sha256Of } from './pseudo-random.js';

export interface ContractTarget {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

/** Size of the big streamed put (MiB); STORAGE_BIG_MB overrides (default 200). */
const BIG_MB = Number(process.env.STORAGE_BIG_MB ?? 200);

export async function expectCode(work: () => Promise<unknown>, code: string, what = ''): Promise<Error> {
  try {
    await work();
  } catch (err) {
    assert.ok(isApplianceError(err), `${what}: expected ApplianceError ${code}, got ${String(err)}`);
    if (isApplianceError(err)) assert.is(err.code, code, `${what}: ${err.message}`);
    return err as Error;
  }
  assert.unreachable(`${what}: expected ${code}, but it succeeded`);
  throw new Error('unreachable');
}

const bodyOf = (data: Buffer | string): Readable => Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]);

async function keys(store: ObjectStore, bucket: Bucket, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(bucket, prefix)) out.push(o.key);
  return out;
}

/** Timed `for await`: collects a listing. */
export const listKeys = keys;

/**
 * The one behaviour suite both stores must pass (pg-boss pattern): embedded.test.ts and s3.test.ts
 * call it with their own store factory.
 */
export function defineContract(name: string, makeStore: () => Promise<ContractTarget | undefined>): void {
  const s = suite<{ target?: ContractTarget }>(`storage contract: ${name}`, {});
  const store = (ctx: { target?: ContractTarget }): ObjectStore => {
    if (ctx.target === undefined) throw new Error('store not available');
    return ctx.target.store;
  };

  s.before(async (ctx) => {
    const target = await makeStore();
    if (target !== undefined) ctx.target = target;
  });
  s.after(async (ctx) => {
    await ctx.target?.cleanup();
  });

  // Every test is a no-op when the target is unavailable (makeStore already failed loudly under CI=true).
  const t = (title: string, fn: (st: ObjectStore) => Promise<void>): void => {
    s(title, async (ctx) => {
      if (ctx.target === undefined) return;
      await fn(store(ctx));
    });
  };

  t('put/get round-trip: sha256 and size from the same pass', async (st) => {
    const data = pseudoRandomBytes('small', 123_457);
    const put = await st.put('input', 'rt/master.mov', bodyOf(data), { contentType: 'video/quicktime' });
    assert.is(put.sha256, sha256Hex(data));
    assert.is(put.size, data.length);
    const back = await readAll(await st.get('input', 'rt/master.mov'));
    assert.ok(back.equals(data), 'bytes round-trip');
    const info = await st.stat('input', 'rt/master.mov');
    assert.is(info.size, data.length);
    assert.is(info.sha256, sha256Hex(data));
    assert.is(info.contentType, 'video/quicktime');
    assert.ok(Math.abs(info.lastModified.getTime() - Date.now()) < 120_000, 'lastModified is now');
  });

  t('empty object and async-iterable bodies', async (st) => {
    const put = await st.put('output', 'rt/empty', Readable.from([]));
    assert.is(put.size, 0);
    assert.is(put.sha256, sha256Hex(''));
    assert.is((await readAll(await st.get('output', 'rt/empty'))).length, 0);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1, 2, 3]);
      yield Buffer.from('abc');
    }
    const put2 = await st.put('output', 'rt/iter', gen());
    assert.is(put2.size, 6);
    assert.ok((await readAll(await st.get('output', 'rt/iter'))).equals(Buffer.from([1, 2, 3, 97, 98, 99])));
  });

  t(`streamed put of ${BIG_MB} MiB: sha256 round-trip without holding it in memory`, async (st) => {
    const size = BIG_MB * 1024 * 1024;
    const { stream, expectedSha256 } = pseudoRandomStream('big', size);
    const rssBefore = process.memoryUsage().rss;
    const put = await st.put('input', 'big/master.bin', stream);
    const expected = await expectedSha256;
    assert.is(put.size, size);
    assert.is(put.sha256, expected);
    if (st.kind === 's3' && size > 64 * 1024 * 1024) assert.match(put.etag ?? '', /-\d+$/, 'multipart upload on S3');
    const back = await sha256Of(await st.get('input', 'big/master.bin'));
    assert.equal(back, { sha256: expected, size });
    const grew = process.memoryUsage().rss - rssBefore;
    assert.ok(grew < size * 0.9, `memory did not grow with the object (${Math.round(grew / 1048576)} MiB)`);
    await st.delete('input', 'big/master.bin', { allVersions: true });
  });

  t('expectedSha256 mismatch: STORAGE_HASH_MISMATCH and nothing stored', async (st) => {
    await expectCode(() => st.put('intermediate', 'hm/a', bodyOf('hello'), { expectedSha256: sha256Hex('other') }), 'STORAGE_HASH_MISMATCH');
    await expectCode(() => st.stat('intermediate', 'hm/a'), 'STORAGE_NOT_FOUND');
    const ok = await st.put('intermediate', 'hm/a', bodyOf('hello'), { expectedSha256: sha256Hex('hello') });
    assert.is(ok.sha256, sha256Hex('hello'));
  });

  t('worker access: read in place / presigned GET, write via path / presigned PUT', async (st) => {
    const data = pseudoRandomBytes('worker', 70_001);
    await st.put('intermediate', 'job-w/in.bin', bodyOf(data));
    const read = await st.readAccess('intermediate', 'job-w/in.bin', { expirySeconds: 120 });
    assert.is(read.size, data.length);
    const got = read.kind === 'path' ? await readFile(read.path) : Buffer.from(await (await fetch(read.url)).arrayBuffer());
    assert.ok(got.equals(data), `worker read (${read.kind})`);
    if (read.kind === 'url') assert.ok(read.expiresAt.getTime() - Date.now() <= 120_000, 'short expiry');
    if (read.kind === 'url') await read.release?.();

    const out = pseudoRandomBytes('worker-out', 50_000);
    const write = await st.writeAccess('intermediate', 'job-w/out.bin', { expirySeconds: 120 });
    if (write.kind === 'path') await writeFile(write.path, out);
    else {
      const res = await fetch(write.url, { method: 'PUT', body: out });
      assert.is(res.status, 200, `presigned PUT answered ${res.status}`);
    }
    const info = await st.commitWrite(write, { sha256: sha256Hex(out) });
    assert.is(info.size, out.length);
    assert.is(info.sha256, sha256Hex(out));
    assert.ok((await readAll(await st.get('intermediate', 'job-w/out.bin'))).equals(out));
    if (read.kind === 'url' && read.url.includes('job-w/in.bin')) {
      const tampered = read.url.replace('job-w/in.bin', 'job-w/out.bin');
      assert.is((await fetch(tampered)).status, 403, 'presigned URL is bound to its key');
    }
  });

  t('versioned overwrite keeps the previous version (input, output)', async (st) => {
    for (const bucket of ['input', 'output'] as const) {
      await st.put(bucket, 'ver/a.mov', bodyOf('first version'));
      await st.put(bucket, 'ver/a.mov', bodyOf('second version'));
      assert.is((await readAll(await st.get(bucket, 'ver/a.mov'))).toString(), 'second version');
      const versions = await st.listVersions(bucket, 'ver/a.mov');
      if (st.kind === 's3' && versions.length < 2) {
        console.warn(`!!! ${bucket}: S3 server keeps no versions (versioning unsupported)`);
        continue;
      }
      assert.is(versions.length, 2, `${bucket}: two versions`);
      assert.is(versions[0]?.isLatest, true);
      const old = versions.find((v) => !v.isLatest);
      assert.ok(old !== undefined);
      assert.is((await readAll(await st.get(bucket, 'ver/a.mov', { versionId: old.versionId }))).toString(), 'first version');
      // A delete keeps the data as a previous version, too.
      await st.delete(bucket, 'ver/a.mov');
      await expectCode(() => st.stat(bucket, 'ver/a.mov'), 'STORAGE_NOT_FOUND');
      const after = await st.listVersions(bucket, 'ver/a.mov');
      assert.ok(after.length >= 2 && after.every((v) => !v.isLatest), `${bucket}: versions survive a delete`);
      await st.delete(bucket, 'ver/a.mov', { allVersions: true });
      assert.is((await st.listVersions(bucket, 'ver/a.mov')).length, 0, `${bucket}: allVersions purges`);
    }
  });

  t('range reads', async (st) => {
    const data = pseudoRandomBytes('range', 1000);
    await st.put('output', 'range/seg.m4s', bodyOf(data));
    assert.ok((await readAll(await st.getRange('output', 'range/seg.m4s', 10, 20))).equals(data.subarray(10, 30)));
    assert.ok((await readAll(await st.getRange('output', 'range/seg.m4s', 990))).equals(data.subarray(990)));
    assert.ok((await readAll(await st.getRange('output', 'range/seg.m4s', 995, 100))).equals(data.subarray(995)), 'truncated at the end');
    assert.ok((await readAll(await st.getRange('output', 'range/seg.m4s', 0))).equals(data));
    await expectCode(() => st.getRange('output', 'range/seg.m4s', 1000), 'STORAGE_INVALID_RANGE', 'offset at end');
    await expectCode(() => st.getRange('output', 'range/seg.m4s', -1), 'STORAGE_INVALID_RANGE', 'negative');
    await expectCode(() => st.getRange('output', 'range/missing', 0, 1), 'STORAGE_NOT_FOUND');
  });

  t('list by prefix, in key order', async (st) => {
    for (const k of ['ls/p/a', 'ls/p/b/c', 'ls/p-x', 'ls/q', 'ls/p/b/d']) await st.put('output', k, bodyOf(k));
    assert.equal(await keys(st, 'output', 'ls/p/'), ['ls/p/a', 'ls/p/b/c', 'ls/p/b/d']);
    assert.equal(await keys(st, 'output', 'ls/p'), ['ls/p-x', 'ls/p/a', 'ls/p/b/c', 'ls/p/b/d']);
    assert.equal(await keys(st, 'output', 'ls/p/b'), ['ls/p/b/c', 'ls/p/b/d']);
    assert.equal(await keys(st, 'output', 'ls/none/'), []);
    const all: { key: string; size: number }[] = [];
    for await (const o of st.list('output', 'ls/')) all.push({ key: o.key, size: o.size });
    assert.is(all.length, 5);
    assert.is(all.find((o) => o.key === 'ls/q')?.size, 4);
  });

  t('copy (within and across buckets)', async (st) => {
    const data = pseudoRandomBytes('copy', 33_333);
    await st.put('intermediate', 'cp/src.mp4', bodyOf(data), { contentType: 'video/mp4' });
    const info = await st.copy({ bucket: 'intermediate', key: 'cp/src.mp4' }, { bucket: 'output', key: 'cp/dst.mp4' });
    assert.is(info.size, data.length);
    assert.is(info.sha256, sha256Hex(data));
    assert.ok((await readAll(await st.get('output', 'cp/dst.mp4'))).equals(data));
    await st.copy({ bucket: 'output', key: 'cp/dst.mp4' }, { bucket: 'output', key: 'cp/dst2.mp4' });
    assert.ok((await readAll(await st.get('output', 'cp/dst2.mp4'))).equals(data));
    await expectCode(() => st.copy({ bucket: 'output', key: 'cp/missing' }, { bucket: 'output', key: 'cp/x' }), 'STORAGE_NOT_FOUND');
  });

  t('delete is idempotent; missing keys are STORAGE_NOT_FOUND', async (st) => {
    await st.put('intermediate', 'del/a', bodyOf('x'));
    await st.delete('intermediate', 'del/a');
    await expectCode(() => st.stat('intermediate', 'del/a'), 'STORAGE_NOT_FOUND', 'stat after delete');
    await expectCode(() => st.get('intermediate', 'del/a'), 'STORAGE_NOT_FOUND', 'get after delete');
    await st.delete('intermediate', 'del/a');
    await expectCode(() => st.stat('output', 'never/was'), 'STORAGE_NOT_FOUND', 'stat of a missing key');
    await expectCode(() => st.readAccess('output', 'never/was'), 'STORAGE_NOT_FOUND', 'readAccess of a missing key');
  });

  t('traversal and malformed keys are rejected before any I/O', async (st) => {
    const bad = [
      '../escape',
      'a/../../etc/passwd',
      '/etc/passwd',
      'a//b',
      'a/./b',
      'a\u0000b',
      'a\nb',
      '',
      'x'.repeat(1100),
      'a\\..\\b',
      'C:/x',
      '..',
      '.mpegflow.a.json',
    ];
    for (const key of bad) {
      await expectCode(() => st.put('input', key, bodyOf('no')), 'STORAGE_INVALID_KEY', `put ${JSON.stringify(key)}`);
      await expectCode(() => st.get('input', key), 'STORAGE_INVALID_KEY', `get ${JSON.stringify(key)}`);
      await expectCode(() => st.stat('input', key), 'STORAGE_INVALID_KEY', `stat ${JSON.stringify(key)}`);
      await expectCode(() => st.delete('input', key), 'STORAGE_INVALID_KEY', `delete ${JSON.stringify(key)}`);
    }
    await expectCode(() => st.put('nope' as Bucket, 'a', bodyOf('no')), 'STORAGE_INVALID_KEY', 'unknown bucket');
    await expectCode(
      async () => {
        for await (const _ of st.list('input', '../')) void _;
      },
      'STORAGE_INVALID_KEY',
      'list ../',
    );
  });

  t('lifecycle sweep: intermediate > 7 days, unprocessed input > 30 days (injected clock)', async (st) => {
    await st.put('intermediate', 'lc-job1/enc/720p.mp4', bodyOf('a'));
    await st.put('intermediate', 'lc-job2/enc/1080p.mp4', bodyOf('b'));
    await st.put('input', 'lc/processed.mov', bodyOf('c'));
    await st.put('input', 'lc/unprocessed.mov', bodyOf('d'));
    const events: DeleteEvent[] = [];
    const onDelete = async (e: DeleteEvent): Promise<void> => {
      events.push(e);
    };
    const isInputProcessed = (key: string): boolean => key === 'lc/processed.mov' || !key.startsWith('lc/');
    // Day 3: nothing is old enough.
    const day = 24 * 3600 * 1000;
    let report = await sweepLifecycle(st, { onDelete, isInputProcessed, now: () => new Date(Date.now() + 3 * day) });
    assert.is(events.filter((e) => e.key.startsWith('lc')).length, 0);
    assert.is(report.errors.length, 0);
    // Day 8: intermediates go, inputs stay.
    report = await sweepLifecycle(st, { onDelete, isInputProcessed, now: () => new Date(Date.now() + 8 * day) });
    assert.equal(
      events
        .filter((e) => e.key.startsWith('lc'))
        .map((e) => `${e.bucket}/${e.key}/${e.reason}`)
        .sort(),
      ['intermediate/lc-job1/enc/720p.mp4/intermediate-expired', 'intermediate/lc-job2/enc/1080p.mp4/intermediate-expired'],
    );
    assert.is(report.errors.length, 0);
    assert.ok(
      events.every((e) => e.ageDays > 7.9 && e.ageDays < 8.1),
      'ageDays reported',
    );
    await expectCode(() => st.stat('intermediate', 'lc-job1/enc/720p.mp4'), 'STORAGE_NOT_FOUND');
    // Day 31: the unprocessed input goes (all versions), the processed one stays.
    events.length = 0;
    report = await sweepLifecycle(st, { onDelete, isInputProcessed, now: () => new Date(Date.now() + 31 * day) });
    assert.equal(
      events.filter((e) => e.key.startsWith('lc')).map((e) => `${e.bucket}/${e.key}/${e.reason}`),
      ['input/lc/unprocessed.mov/input-unprocessed-expired'],
    );
    assert.is(report.errors.length, 0);
    await expectCode(() => st.stat('input', 'lc/unprocessed.mov'), 'STORAGE_NOT_FOUND');
    assert.is((await st.listVersions('input', 'lc/unprocessed.mov')).length, 0, 'retention expiry removes every version');
    assert.is((await st.stat('input', 'lc/processed.mov')).size, 1);
    // Without isInputProcessed, inputs are never swept.
    events.length = 0;
    await sweepLifecycle(st, { onDelete, now: () => new Date(Date.now() + 365 * day) });
    assert.ok(events.every((e) => e.bucket !== 'input'));
    await st.stat('input', 'lc/processed.mov');
  });

  t('lifecycle: a failing onDelete (audit) keeps the object', async (st) => {
    await st.put('intermediate', 'lc-audit/x', bodyOf('x'));
    const report = await sweepLifecycle(st, {
      onDelete: async (e) => {
        if (e.key === 'lc-audit/x') throw new Error('audit store down');
      },
      now: () => new Date(Date.now() + 10 * 24 * 3600 * 1000),
    });
    assert.ok(report.errors.some((e) => e.key === 'lc-audit/x' && e.message.includes('audit store down')));
    assert.is((await st.stat('intermediate', 'lc-audit/x')).size, 1);
  });

  t('deleteJobIntermediates removes exactly <jobId>/…', async (st) => {
    for (const k of ['jobA/enc/1.mp4', 'jobA/enc/2.mp4', 'jobA/probe.json', 'jobAB/enc/1.mp4', 'jobB/x']) await st.put('intermediate', k, bodyOf(k));
    const audited: string[] = [];
    const n = await deleteJobIntermediates(st, 'jobA', { onDelete: async (e) => void audited.push(e.key) });
    assert.is(n, 3);
    assert.equal(audited.sort(), ['jobA/enc/1.mp4', 'jobA/enc/2.mp4', 'jobA/probe.json']);
    assert.equal(await keys(st, 'intermediate', 'jobA'), ['jobAB/enc/1.mp4']);
    await expectCode(() => deleteJobIntermediates(st, '../x'), 'STORAGE_INVALID_KEY');
    await expectCode(() => deleteJobIntermediates(st, 'a/b'), 'STORAGE_INVALID_KEY');
  });

  s.run();
}

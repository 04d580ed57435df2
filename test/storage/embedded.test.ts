import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { appendFile, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createStore, openStore } from '../../src/storage/create-store.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { scheduleLifecycle } from '../../src/storage/lifecycle-schedule.js';
import { sweepLifecycle, type DeleteEvent } from '../../src/storage/lifecycle.js';
import { onSmallDisk } from '../helpers/small-disk.js';
import { defineContract, expectCode, listKeys } from './contract.js';
import { pseudoRandomStream, sha256Hex } from './pseudo-random.js';

const scratch = (tag: string): string => mkdtempSync(join(tmpdir(), `mpegflow-storage-${tag}-`));

defineContract('embedded', async () => {
  const dataDir = scratch('contract');
  const store = await openStore({ kind: 'embedded', dataDir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

const body = (s: string | Buffer): Readable => Readable.from([Buffer.isBuffer(s) ? s : Buffer.from(s)]);

const e = suite<{ root: string; store: EmbeddedStore }>('embedded store specifics', { root: '', store: undefined as unknown as EmbeddedStore });

e.before(async (ctx) => {
  ctx.root = join(scratch('specific'), 'objects');
  ctx.store = new EmbeddedStore({ root: ctx.root });
  await ctx.store.open();
});
e.after(async (ctx) => {
  await rm(join(ctx.root, '..'), { recursive: true, force: true });
});

e('layout: <root>/<bucket>/<key>, sidecar with sha256/size/type/created, no staging leftovers', async ({ root, store }) => {
  const put = await store.put('input', 'promo/a.mov', body('hello world'), { contentType: 'video/quicktime' });
  const path = join(root, 'input', 'promo', 'a.mov');
  assert.is(await readFile(path, 'utf8'), 'hello world');
  const sidecar = JSON.parse(await readFile(join(root, 'input', 'promo', '.mpegflow.a.mov.json'), 'utf8')) as Record<string, unknown>;
  assert.is(sidecar.sha256, put.sha256);
  assert.is(sidecar.size, 11);
  assert.is(sidecar.contentType, 'video/quicktime');
  assert.ok(typeof sidecar.created === 'string' && !Number.isNaN(Date.parse(sidecar.created)));
  assert.equal(await readdir(join(root, '.tmp')), [], 'staging area is empty');
  assert.equal(await listKeys(store, 'input', 'promo/'), ['promo/a.mov'], 'sidecars are not listed');
});

e('workers read the object in place (zero-copy path)', async ({ root, store }) => {
  await store.put('input', 'inplace/m.mxf', body('in place'));
  const access = await store.readAccess('input', 'inplace/m.mxf');
  assert.is(access.kind, 'path');
  if (access.kind === 'path') assert.is(access.path, join(root, 'input', 'inplace', 'm.mxf'));
});

e('a stale sidecar (crash between renames, or a hand-edited file) is detected and the hash recomputed', async ({ root, store }) => {
  await store.put('output', 'stale/x', body('one'));
  const path = join(root, 'output', 'stale', 'x');
  await appendFile(path, ' two');
  // Same inode, other size → the sidecar no longer describes the file.
  const info = await store.stat('output', 'stale/x');
  assert.is(info.size, 7);
  assert.is(info.sha256, sha256Hex('one two'));
});

e('intermediate is not versioned: overwrite replaces', async ({ store }) => {
  await store.put('intermediate', 'nv/a', body('1'));
  await store.put('intermediate', 'nv/a', body('2'));
  assert.is((await store.listVersions('intermediate', 'nv/a')).length, 1);
});

e('a key cannot be both an object and a folder: STORAGE_CONFLICT', async ({ store }) => {
  await store.put('output', 'cf/a', body('file'));
  await expectCode(() => store.put('output', 'cf/a/b', body('x')), 'STORAGE_CONFLICT');
  await store.put('output', 'cf2/a/b', body('x'));
  await expectCode(() => store.put('output', 'cf2/a', body('x')), 'STORAGE_CONFLICT');
});

e('concurrent puts of one key: one wins, the other is a version, both hashes consistent', async ({ store }) => {
  const [a, b] = await Promise.all([store.put('input', 'race/k', body('AAAA')), store.put('input', 'race/k', body('BBBBBB'))]);
  const info = await store.stat('input', 'race/k');
  assert.ok(info.sha256 === a.sha256 || info.sha256 === b.sha256);
  assert.is((await store.listVersions('input', 'race/k')).length, 2);
});

e('a missing bucket (store not opened / directory removed): STORAGE_NO_BUCKET', async () => {
  const root = join(scratch('nobucket'), 'objects');
  const unopened = createStore({ kind: 'embedded', root });
  await expectCode(() => unopened.put('input', 'a', body('x')), 'STORAGE_NO_BUCKET', 'put');
  await expectCode(() => unopened.stat('input', 'a'), 'STORAGE_NO_BUCKET', 'stat');
  await expectCode(
    async () => {
      for await (const _ of unopened.list('output')) void _;
    },
    'STORAGE_NO_BUCKET',
    'list',
  );
  await unopened.open();
  await rm(join(root, 'intermediate'), { recursive: true });
  await expectCode(() => unopened.put('intermediate', 'a', body('x')), 'STORAGE_NO_BUCKET', 'removed bucket dir');
  await rm(join(root, '..'), { recursive: true, force: true });
});

e('a source stream that fails mid-put leaves nothing (no staging file, no key)', async ({ root, store }) => {
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(1024 * 1024, 1);
    throw new Error('client went away');
  }
  try {
    await store.put('input', 'abort/a', failing());
    assert.unreachable('should fail');
  } catch (err) {
    assert.match((err as Error).message, 'client went away');
  }
  await expectCode(() => store.stat('input', 'abort/a'), 'STORAGE_NOT_FOUND');
  assert.equal(await readdir(join(root, '.tmp')), []);
});

e('kill -9 mid-put: nothing under the key, the old version intact, open() clears the staging file', async () => {
  const root = join(scratch('crash'), 'objects');
  const store = new EmbeddedStore({ root, staleTmpMs: 0 });
  await store.open();
  await store.put('input', 'crash/m.mov', body('the previous master'));
  const moduleUrl = new URL('../../src/storage/embedded-store.js', import.meta.url).href;
  const script = `
    import { EmbeddedStore } from ${JSON.stringify(moduleUrl)};
    const store = new EmbeddedStore({ root: ${JSON.stringify(root)} });
    async function* endless() { for (;;) { yield Buffer.alloc(1024 * 1024, 7); await new Promise((r) => setImmediate(r)); } }
    setTimeout(() => process.stdout.write('writing\\n'), 300);
    await store.put('input', 'crash/m.mov', endless());
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const staged = await readdir(join(root, '.tmp'));
  assert.ok(
    staged.some((n) => n.startsWith('put-')),
    'a staging file was being written',
  );
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.is(await readFile(join(root, 'input', 'crash', 'm.mov'), 'utf8'), 'the previous master');
  assert.is((await store.stat('input', 'crash/m.mov')).sha256, sha256Hex('the previous master'));
  assert.is((await store.listVersions('input', 'crash/m.mov')).length, 1);
  await store.open();
  assert.equal(await readdir(join(root, '.tmp')), [], 'restart removed the half-written staging file');
  await rm(join(root, '..'), { recursive: true, force: true });
});

e('lifecycle with back-dated objects (mtime) and the real clock', async ({ store }) => {
  await store.put('intermediate', 'bd-old/enc.mp4', body('old'));
  await store.put('intermediate', 'bd-new/enc.mp4', body('new'));
  await store.setModified('intermediate', 'bd-old/enc.mp4', new Date(Date.now() - 8 * 24 * 3600 * 1000));
  await store.put('input', 'bd/unprocessed.mov', body('u'));
  await store.setModified('input', 'bd/unprocessed.mov', new Date(Date.now() - 40 * 24 * 3600 * 1000));
  const events: DeleteEvent[] = [];
  const report = await sweepLifecycle(store, { onDelete: async (ev) => void events.push(ev), isInputProcessed: () => false });
  assert.equal(events.map((ev) => ev.key).sort(), ['bd-old/enc.mp4', 'bd/unprocessed.mov']);
  assert.ok((events.find((ev) => ev.key === 'bd/unprocessed.mov')?.ageDays ?? 0) >= 40);
  assert.is(report.errors.length, 0);
  await store.stat('intermediate', 'bd-new/enc.mp4');
});

e('lifecycle scheduler (node-cron) runs the sweep and stops', async ({ store }) => {
  await store.put('intermediate', 'sched/x', body('x'));
  await store.setModified('intermediate', 'sched/x', new Date(Date.now() - 9 * 24 * 3600 * 1000));
  const deleted: string[] = [];
  let reports = 0;
  const schedule = scheduleLifecycle(store, { cron: '* * * * * *', onDelete: async (ev) => void deleted.push(ev.key), onReport: () => void reports++ });
  const deadline = Date.now() + 5000;
  while (reports === 0 && Date.now() < deadline) await sleep(50);
  await schedule.stop();
  assert.ok(reports >= 1, 'the cron task ran');
  assert.ok(deleted.includes('sched/x'));
  const after = reports;
  await sleep(1200);
  assert.is(reports, after, 'no run after stop()');
  assert.throws(() => scheduleLifecycle(store, { cron: 'not a cron', onDelete: async () => undefined }), /cron/);
});

e('a disk that fills mid-write: STORAGE_NO_SPACE, staging file removed, nothing under the key', async () => {
  await onSmallDisk(async (mnt) => {
    const store = new EmbeddedStore({ root: join(mnt, 'objects') });
    await store.open();
    await store.put('input', 'full/small', body('fits'));
    const { stream } = pseudoRandomStream('fill', 5 * 1024 * 1024, 256 * 1024);
    const err = await expectCode(() => store.put('input', 'full/big.mov', stream), 'STORAGE_NO_SPACE');
    assert.is((err as { status?: number }).status, 507);
    assert.equal(await readdir(join(mnt, 'objects', '.tmp')), [], 'staging file removed');
    assert.not.ok(existsSync(join(mnt, 'objects', 'input', 'full', 'big.mov')), 'nothing under the real key');
    await expectCode(() => store.stat('input', 'full/big.mov'), 'STORAGE_NOT_FOUND');
    // The store still works once there is room again.
    assert.is((await store.stat('input', 'full/small')).size, 4);
  });
});

e.run();

// Idempotent across restarts: a file left in .processing/ is resumed, never ingested twice;
// the same content under the same name is submitted once.
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordIngest, folderContext } from '../../src/ingest/folder-context.js';
import { eventually, ingestFixture, sha256Of } from './ingest-fixture.js';

const f = await ingestFixture({ folder: { stableSeconds: 0.5, rescanSeconds: 0.2 } });
test.after(() => f.close());

const rowsNamed = async (name: string) => (await f.ingests()).filter((i) => i.name === name);

test('the same content under the same name is submitted once; other content or another name is a new job', async () => {
  await f.startService();
  writeFileSync(join(f.root, 'trailer.mov'), 'the same bytes');
  await f.ingestedToDone('trailer.mov');
  const jobs = await f.jobCount();
  const first = (await rowsNamed('trailer.mov'))[0]!;

  writeFileSync(join(f.root, 'trailer.mov'), 'the same bytes');
  const second = await eventually('second trailer.mov done', async () => (await rowsNamed('trailer.mov')).find((r) => r.id !== first.id && r.state === 'done'));
  assert.is(await f.jobCount(), jobs, 'no second job');
  assert.is(second.jobId, first.jobId, 'it points at the job that has these bytes');
  assert.is(second.sha256, first.sha256);
  assert.ok(existsSync(join(f.root, 'done', `${second.id}-trailer.mov`)), 'kept in done/ beside the first, nothing overwritten');
  assert.ok(existsSync(join(f.root, 'done', 'trailer.mov')));
  const dup = (await f.audit('ingest.duplicate')).find((e) => e.ingestId === second.id)!;
  assert.is(dup.duplicateOf, first.id);
  const keys: string[] = [];
  for await (const o of f.objects.list('input')) keys.push(o.key);
  assert.not.ok(
    keys.some((k) => k.startsWith(second.id)),
    'the duplicate copy is not kept in the input bucket',
  );

  writeFileSync(join(f.root, 'trailer.mov'), 'other bytes, same name');
  await eventually('third trailer.mov submitted', async () =>
    (await rowsNamed('trailer.mov')).some((r) => r.state === 'done' && r.jobId && r.jobId !== first.jobId),
  );
  writeFileSync(join(f.root, 'trailer-copy.mov'), 'the same bytes');
  await eventually('same bytes, other name submitted', async () => (await rowsNamed('trailer-copy.mov')).some((r) => r.state === 'done'));
  assert.is(await f.jobCount(), jobs + 2);
  await f.stopService();
});

test('a file found in .processing/ at start (claimed just before a crash) is resumed and submitted once', async () => {
  writeFileSync(join(f.root, '.processing', 'orphan.mov'), 'claimed before the crash');
  const jobs = await f.jobCount();
  await f.startService();
  await f.ingestedToDone('orphan.mov');
  const [row] = await rowsNamed('orphan.mov');
  assert.is(row!.state, 'done');
  assert.is(await f.jobCount(), jobs + 1);
  assert.ok((await f.audit('ingest.resumed')).some((e) => e.name === 'orphan.mov'));
  assert.ok((await f.audit('ingest.claimed')).some((e) => e.name === 'orphan.mov' && e.resumed === true));
  await f.stopService();
});

test('a crash after the job was created but before it was recorded: the resume finds the job, no second job', async () => {
  await f.startService();
  writeFileSync(join(f.root, 'late.mov'), 'submitted, then the power went');
  await f.ingestedToDone('late.mov');
  await f.stopService();
  const [row] = await rowsNamed('late.mov');
  // Back to the moment just after runtime.submit returned: file in .processing/, record still "claimed".
  renameSync(join(f.root, 'done', 'late.mov'), join(f.root, '.processing', 'late.mov'));
  const ctx = folderContext(f.deps, f.folder, new AbortController().signal);
  await recordIngest(ctx, row!.id, { state: 'claimed', jobId: null }, 'test.rewind', {});
  const jobs = await f.jobCount();
  await f.startService();
  await f.ingestedToDone('late.mov');
  const after = (await f.store.ingests.get(row!.id))!;
  assert.is(after.state, 'done');
  assert.is(after.jobId, row!.jobId, 'the same job');
  assert.is(await f.jobCount(), jobs, 'no second job');
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  await f.stopService();
});

test('a stop between the move to done/ and its record: the next start records it done, no second job', async () => {
  await f.startService();
  writeFileSync(join(f.root, 'moved.mov'), 'moved, then the power went');
  const row = await f.ingestedToDone('moved.mov');
  await f.stopService();
  // Back to the moment just after the rename into done/: the record still says "submitted".
  const ctx = folderContext(f.deps, f.folder, new AbortController().signal);
  await recordIngest(ctx, row.id, { state: 'submitted', jobId: row.jobId }, 'test.rewind', {});
  const jobs = await f.jobCount();
  await f.startService();
  const after = await eventually('moved.mov recorded done', async () =>
    (await f.store.ingests.get(row.id))?.state === 'done' ? f.store.ingests.get(row.id) : undefined,
  );
  assert.is(after!.jobId, row.jobId, 'the same job');
  assert.is(await f.jobCount(), jobs, 'no second job');
  const recorded = (await f.audit('ingest.done')).filter((e) => e.ingestId === row.id);
  assert.is(recorded.length, 2, 'the first record and the one made at start');
  assert.is(recorded[1]!.movedTo, join(f.root, 'done', 'moved.mov'));
  assert.ok(existsSync(join(f.root, 'done', 'moved.mov')));
  await f.stopService();
});

test('a stop while a large file is being stored leaves it in .processing/; the next start resumes it into one job', async () => {
  const path = join(f.root, 'big.mxf');
  writeFileSync(path, Buffer.alloc(400 * 1024 * 1024, 7));
  const sha = sha256Of(path);
  await f.startService();
  await eventually('big.mxf storing', async () => (await f.audit('ingest.storing')).some((e) => e.name === 'big.mxf'), 60_000);
  await f.stopService();
  const [row] = await rowsNamed('big.mxf');
  assert.is(row!.state, 'claimed', 'stopped mid-store');
  assert.ok(existsSync(join(f.root, '.processing', 'big.mxf')), 'the file is kept in .processing/');
  const jobs = await f.jobCount();
  await f.startService();
  await f.ingestedToDone('big.mxf', 120_000);
  const done = (await f.store.ingests.get(row!.id))!;
  assert.is(done.state, 'done');
  assert.is(done.sha256, sha);
  assert.is(await f.jobCount(), jobs + 1);
  assert.is((await rowsNamed('big.mxf')).length, 1, 'one ingest, resumed, not a second one');
  assert.is((await f.objects.stat('input', done.inputKey!)).sha256, sha);
  await f.stopService();
});

test.run();

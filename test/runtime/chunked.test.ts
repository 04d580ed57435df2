import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { testImage } from '../helpers/ffmpeg-image.js';

let f: Awaited<ReturnType<typeof runtimeFixture>>;
/** The chunk whose encode attempts read a missing master (really fail), or null. */
let failing: number | null = null;
let master: string;

test.before(async () => {
  // 20 s masters are "long" here: chunks of 4 s (two 2 s GOPs).
  f = await runtimeFixture({ chunking: { thresholdSeconds: 10, chunkSeconds: 4 }, failEncodeAttempt: (t) => t.chunk !== null && t.chunk === failing });
  master = await f.clip('feature.mp4', [...testClipArgs('640x360', 20), '-g', '50']);
});
test.after(async () => {
  await f.close();
});

/** Frames of a published CMAF rendition: its init segment and media segments joined, counted by ffprobe. */
async function publishedFrames(jobId: string, rung: string): Promise<number> {
  const keys: string[] = [];
  for await (const o of f.objects.list('output', `${jobId}/cmaf/${rung}/`)) keys.push(o.key);
  keys.sort((a, b) => (a.endsWith('init.mp4') ? -1 : b.endsWith('init.mp4') ? 1 : a.localeCompare(b)));
  const path = join(f.data, `${rung}-joined.mp4`);
  for (const [i, k] of keys.entries()) await pipeline(await f.objects.get('output', k), createWriteStream(path, { flags: i === 0 ? 'w' : 'a' }));
  return frames(path);
}

async function frames(path: string): Promise<number> {
  const img = await testImage();
  const argv = img.argv('ffprobe');
  const r = spawnSync(
    argv[0]!,
    [...argv.slice(1), '-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  return Number(r.stdout.trim());
}

test('a long master is encoded in chunks, its audio once, stitched, checked and packaged; each chunk audited with its range', async () => {
  const { job } = await f.runtime.submit({ input: { key: master }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 'token:test' });
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial'], 240_000);
  assert.is(done.state, 'completed', JSON.stringify(done.error));
  const audit = await f.store.audit.list({ jobId: job.id });
  const planned = audit.find((e) => e.type === 'job.planned')!.payload as { chunking: { chunked: boolean; reasonCode: string; chunks: unknown[] } };
  assert.is(planned.chunking.chunked, true);
  assert.is(planned.chunking.reasonCode, 'long-master');
  assert.is(planned.chunking.chunks.length, 5);
  const started = audit
    .filter((e) => e.type === 'task.started' && (e.payload as { part?: string }).part === 'chunk')
    .map((e) => e.payload as Record<string, number>);
  assert.equal(started.map((p) => p['chunk']).sort(), [0, 1, 2, 3, 4]);
  assert.equal(
    started.find((p) => p['chunk'] === 2),
    { ...started.find((p) => p['chunk'] === 2), startSeconds: 8, endSeconds: 12, startFrame: 200, frames: 100 },
  );
  const stitch = audit.find((e) => e.type === 'task.succeeded' && (e.payload as { kind: string }).kind === 'stitch')!.payload as {
    reports: Record<string, { ok: boolean; frames: number; keyframes: number }>;
  };
  for (const [rung, report] of Object.entries(stitch.reports)) {
    assert.ok(report.ok, rung);
    assert.is(report.frames, 500, rung);
    assert.is(report.keyframes, 10, rung);
  }
  // The published rungs hold every frame of the master.
  for (const rung of Object.keys(stitch.reports)) assert.is(await publishedFrames(job.id, rung), 500, rung);
  assert.is(done.chunking?.chunks.length, 5);
  assert.ok(done.chunking?.chunks.every((c) => c.state === 'succeeded' && c.fraction === 1));
  assert.ok(done.quality.length === Object.keys(stitch.reports).length && done.quality.every((q) => q.passed));
});

test('a master whose keyframes are further apart than a chunk is encoded in one piece, the reason audited', async () => {
  const key = await f.clip('long-gop.mp4', [...testClipArgs('640x360', 20), '-g', '300']);
  const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:test' });
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial'], 240_000);
  assert.is(done.state, 'completed', JSON.stringify(done.error));
  assert.is(done.chunking?.chunked, false);
  assert.is(done.chunking?.reasonCode, 'long-gop');
  assert.match(done.chunking!.reason, /keyframes are up to 12 s apart/);
  const probed = (await f.store.audit.list({ jobId: job.id, type: 'job.probed' }))[0]!.payload as { sourceIndex: { frames: number; keyframes: number } };
  assert.equal(probed.sourceIndex, { ...probed.sourceIndex, frames: 500, keyframes: 2 });
});

test('a chunk that fails every attempt fails the job CHUNK_FAILED; a retry encodes only that chunk again', async () => {
  failing = 2;
  const { job } = await f.runtime.submit({ input: { key: master }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:test' });
  const failed = await f.waitFor(job.id, ['completed', 'failed', 'partial'], 240_000);
  assert.is(failed.state, 'failed');
  assert.is(failed.error?.code, 'CHUNK_FAILED');
  assert.match(failed.error!.message, /chunk 2 failed after every attempt/);
  const dead = (await f.store.audit.list({ jobId: job.id, type: 'task.dead' })).map((e) => e.payload as Record<string, unknown>);
  assert.equal(
    dead.map((p) => [p['part'], p['chunk'], p['attempt']]),
    [['chunk', 2, 3]],
  );
  assert.is(failed.chunking?.chunks.find((c) => c.index === 2)?.state, 'dead');
  failing = null;
  await f.runtime.retry(job.id, 'token:test');
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial'], 240_000);
  assert.is(done.state, 'completed', JSON.stringify(done.error));
  const started = (await f.store.audit.list({ jobId: job.id, type: 'task.started' })).map((e) => e.payload as { part?: string; chunk?: number });
  const perChunk = [0, 1, 2, 3, 4].map((c) => started.filter((p) => p.part === 'chunk' && p.chunk === c).length);
  assert.equal(perChunk, [1, 1, 4, 1, 1]);
});

test('a chunk that commits short (its frames not the plan) fails the stitch STITCH_FRAME_COUNT: nothing packaged or published', async () => {
  const { job } = await f.runtime.submit({ input: { key: master }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:test' });
  // As a lying master index would: chunk 0 of one rung replaced, once committed, by its first 75 frames.
  const chunk0 = await waitForChunk(job.id, 0);
  const rung = chunk0.renditions.find((r) => r.kind === 'video')!;
  const access = await f.objects.readAccess('intermediate', rung.key);
  assert.is(access.kind, 'path');
  if (access.kind !== 'path') return;
  const img = await testImage();
  const ff = img.argv('ffmpeg');
  const short = `${access.path}.short.mp4`;
  const cut = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-v', 'error', '-i', access.path, '-map', '0:v', '-frames:v', '75', '-c', 'copy', short]);
  assert.is(cut.status, 0, String(cut.stderr));
  renameSync(short, access.path);
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial'], 240_000);
  assert.is(done.state, 'failed');
  assert.is(done.error?.code, 'STITCH_FRAME_COUNT');
  assert.match(done.error!.message, new RegExp(`rung ${rung.name} stitched from 5 chunks is not the planned rung`));
  const failedEvent = (await f.store.audit.list({ jobId: job.id, type: 'job.failed' }))[0]!.payload as { problems: { code: string }[] };
  assert.ok(failedEvent.problems.some((p) => p.code === 'STITCH_FRAME_COUNT'));
  assert.not.ok(
    done.tasks.some((t) => t.kind === 'package'),
    'no package task',
  );
  const published: string[] = [];
  for await (const o of f.objects.list('output', `${job.id}/`)) published.push(o.key);
  assert.equal(published, []);
});

test('cancel mid-way removes the committed chunks with every other intermediate', async () => {
  const { job } = await f.runtime.submit({ input: { key: master }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:test' });
  await waitForChunk(job.id, 1);
  await f.runtime.cancel(job.id, 'token:test');
  const done = await f.waitFor(job.id, ['cancelled'], 60_000);
  assert.is(done.state, 'cancelled');
  const left: string[] = [];
  for await (const o of f.objects.list('intermediate', `${job.id}/`)) left.push(o.key);
  assert.equal(left, []);
  assert.not.ok(existsSync(join(f.data, 'scratch', job.id)), 'scratch removed');
});

async function waitForChunk(jobId: string, index: number) {
  for (let i = 0; i < 1200; i++) {
    const tasks = await f.store.tasks.listByJob(jobId);
    const t = tasks.find(
      (x) => x.kind === 'encode' && x.state === 'succeeded' && (x.input as { part?: { chunk?: { index: number } } }).part?.chunk?.index === index,
    );
    if (t) return t.output as { renditions: { name: string; kind: string; key: string }[] };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`chunk ${index} never committed`);
}

test.run();

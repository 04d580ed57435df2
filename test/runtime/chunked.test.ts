import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { testImage } from '../helpers/ffmpeg-image.js';

let f: Awaited<ReturnType<typeof runtimeFixture>>;

test.before(async () => {
  // 20 s masters are "long" here: chunks of 4 s (two 2 s GOPs).
  f = await runtimeFixture({ chunking: { thresholdSeconds: 10, chunkSeconds: 4 } });
});
test.after(async () => {
  await f.close();
});

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
  const key = await f.clip('feature.mp4', [...testClipArgs('640x360', 20), '-g', '50']);
  const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 'token:test' });
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
  const objects = f.objects as unknown as { root: string };
  void objects;
  const access = await f.objects.readAccess('output', `${job.id}/cmaf/${Object.keys(stitch.reports)[0]}/init.mp4`);
  assert.is(access.kind, 'path');
});

test.run();

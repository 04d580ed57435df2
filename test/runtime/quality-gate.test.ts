import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import type { LadderTemplate } from '../../src/media/ladder-template.js';
import { saveTemplate } from '../../src/runtime/ladder-templates.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { vbrRung } from '../media/encode-templates.js';

let f: Awaited<ReturnType<typeof runtimeFixture>>;
let clip: string;

/** A rung that looks good (3 Mb/s at 360p) and one that cannot (100 kb/s at 240p), gated on PSNR. */
const gated = (name: string, quality: LadderTemplate['quality']): LadderTemplate => ({
  ...professionalTemplate,
  name,
  encoderPreset: 'ultrafast',
  rungs: [vbrRung('360p', 'h264', 640, 360, 3000), vbrRung('240p', 'h264', 426, 240, 100)],
  quality,
});

test.before(async () => {
  f = await runtimeFixture();
  clip = await f.clip('gate.mp4', testClipArgs('640x360', 4));
  await saveTemplate(f.store, gated('gate-fail', { sample: 'all', thresholds: { psnr: 35 }, onBelow: 'fail' }), 'create', 'test');
  await saveTemplate(f.store, gated('gate-partial', { sample: { segments: 1 }, thresholds: { psnr: 35 }, onBelow: 'partial' }), 'create', 'test');
});
test.after(async () => {
  await f.close();
});

type Quality = {
  rendition: string;
  psnr: { mean: number; min: number; worstSegmentSeconds: number };
  ssim: { mean: number };
  xpsnr: { mean: number } | null;
  frames: number;
  passed: boolean;
  below: string[];
};

test('every job is measured by default (3 segments, not gated): figures in the job detail and the audit trail', async () => {
  const { job } = await f.runtime.submit({ input: { key: clip }, ladder: 'professional' }, { actor: 'test' });
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'completed', JSON.stringify(done.error));
  assert.is(done.chunking?.chunked, false);
  assert.is(done.chunking?.reasonCode, 'short-master');
  const names = done.renditions.filter((r) => !r.name.startsWith('audio')).map((r) => r.name);
  assert.equal(done.quality.map((q) => q.rendition).sort(), names.sort());
  for (const q of done.quality) {
    assert.ok(q.passed);
    assert.equal(q.sample, { segments: 3 });
    assert.ok(q.psnr!.mean > 20 && q.ssim!.mean > 0.5 && q.xpsnr !== null, JSON.stringify(q));
    assert.is(q.frames, 100, 'two 2 s segments of a 4 s clip at 25 fps (the middle one is the last)');
  }
  const audited = (await f.store.audit.list({ jobId: job.id, type: 'job.quality' }))[0]!.payload as { renditions: Quality[]; processes: unknown[] };
  assert.equal(audited.renditions, done.quality);
  assert.ok(audited.processes.length >= done.quality.length);
});

test('a rung below the threshold fails the job (onBelow fail) with QUALITY_BELOW_THRESHOLD and the figures; nothing published', async () => {
  const { job } = await f.runtime.submit({ input: { key: clip }, ladder: 'gate-fail' }, { actor: 'test' });
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'failed');
  assert.is(done.error?.code, 'QUALITY_BELOW_THRESHOLD');
  assert.match(done.error!.message, /240p \(psnr \d+\.\d+ < 35\)/);
  const failed = (await f.store.audit.list({ jobId: job.id, type: 'job.failed' }))[0]!.payload as { quality: Quality[] };
  const low = failed.quality.find((q) => q.rendition === '240p')!;
  assert.equal(low.below, ['psnr']);
  assert.ok(failed.quality.find((q) => q.rendition === '360p')!.passed);
  assert.equal(done.quality, failed.quality, 'the job detail shows the figures of a job the gate failed');
  const published: string[] = [];
  for await (const o of f.objects.list('output', `${job.id}/`)) published.push(o.key);
  assert.equal(published, []);
});

test('onBelow partial leaves the rung out and the job partial, flagged for review', async () => {
  const { job } = await f.runtime.submit({ input: { key: clip }, ladder: 'gate-partial' }, { actor: 'test' });
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'partial', JSON.stringify(done.error));
  assert.equal(done.missingRenditions, ['240p']);
  const flagged = (await f.store.audit.list({ jobId: job.id, type: 'job.partial_ladder' }))[0]!.payload as Record<string, unknown>;
  assert.equal(flagged['missingRenditions'], ['240p']);
  assert.is(flagged['reason'], 'quality');
  const published: string[] = [];
  for await (const o of f.objects.list('output', `${job.id}/cmaf/`)) published.push(o.key.split('/')[2]!);
  assert.ok(published.includes('360p') && !published.includes('240p'), published.join());
});

test.run();

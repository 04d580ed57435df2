import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolConfig } from '../../src/config/schema.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { planLadder, type LadderPlan } from '../../src/media/ladder-plan.js';
import type { MediaInfo } from '../../src/media/media-info.js';
import type { QualityFigures } from '../../src/media/quality-figures.js';
import { StagePool, type SpawnedProcess } from '../../src/supervisor/stage-pool.js';
import { encodeStage, renditionPath } from '../../src/supervisor/stages/encode-stage.js';
import { probeStage } from '../../src/supervisor/stages/probe-stage.js';
import { qualityStage } from '../../src/supervisor/stages/quality-stage.js';
import type { StageContext } from '../../src/supervisor/stages/stage-context.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { vbrRung } from '../media/encode-templates.js';
import { mediaTools } from '../media/media-tools.js';

const cfg = (cores: number[]): PoolConfig => ({ cores, slots: 1, timeoutSeconds: 240, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 });
const pools = { probe: new StagePool('probe', cfg([1])), encode: new StagePool('encode', cfg([0, 1])), quality: new StagePool('encode', cfg([0, 1])) };
const work = tempDir('mpegflow-quality-stage-');
const master = join(work, 'master.mp4');
const outDir = join(work, 'renditions');
let ctx: StageContext;
let plan: LadderPlan;

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(2);
const LO = 0;
const HI = 1;

test.before(async () => {
  const t = await mediaTools();
  const signed = await signedImageCopy();
  ctx = { image: signed.ref, trust: signed.trust };
  // 640x360 25 fps 6 s, lossless: three 2 s segments.
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', master]);
  const probe = await probeStage(pools.probe, ctx, { taskId: 'probe', inputPath: master });
  assert.is(probe.run.outcome, 'succeeded', probe.run.stderrTail);
  plan = planLadder((probe.outcome as { info: MediaInfo }).info, {
    ...professionalTemplate,
    name: 'quality-test',
    rungs: [vbrRung('180p-lo', 'h264', 320, 180, 30, { profile: 'main' }), vbrRung('360p-hi', 'h264', 640, 360, 6000)],
  });
  assert.equal(
    plan.rungs.map((r) => `${r.name} ${r.width}x${r.height}`),
    ['180p-lo 320x180', '360p-hi 640x360'],
  );
  assert.is(plan.gopSeconds, 2);
  assert.equal(plan.frameRate, { num: 25, den: 1 });
  const enc = await encodeStage(pools.encode, ctx, { taskId: 'encode', plan, inputPath: master, outDir, x264Preset: 'ultrafast' });
  assert.is(enc.run.outcome, 'succeeded', enc.run.stderrTail);
});

test.after(async () => {
  await Promise.all(Object.values(pools).map((p) => p.close()));
});

async function measure(rungIndex: number, sample: Parameters<typeof qualityStage>[2]['sample'], spawned: SpawnedProcess[] = []) {
  const started = Date.now();
  const result = await qualityStage(
    pools.quality,
    { ...ctx, onSpawned: (s) => spawned.push(s) },
    {
      taskId: `quality-${rungIndex}-${sample.kind}`,
      plan,
      rungIndex,
      renditionPath: renditionPath(outDir, plan.rungs[rungIndex]!.name),
      masterPath: master,
      scratchDir: join(work, `scratch-${rungIndex}-${sample.kind}`),
      sample,
    },
  );
  console.log(`    quality stage ${plan.rungs[rungIndex]!.name}, ${sample.kind === 'all' ? 'all' : `${sample.count} segments`}: ${seconds(started)} s`);
  for (const run of result.runs) assert.is(run.outcome, 'succeeded', run.stderrTail);
  return result;
}

const show = (f: QualityFigures) =>
  `PSNR ${f.psnr.mean.toFixed(2)} (min ${f.psnr.min.toFixed(2)}), SSIM ${f.ssim.mean.toFixed(4)} (min ${f.ssim.min.toFixed(4)}), XPSNR ${f.xpsnr?.mean.toFixed(2)}`;

test('two of three segments: one process per window, exactly the sampled frames; a 6 Mb/s rung measures high, a 30 kb/s rung clearly lower', async () => {
  const spawned: SpawnedProcess[] = [];
  const hi = await measure(HI, { kind: 'segments', count: 2 }, spawned);
  assert.is(hi.runs.length, 2);
  assert.equal(
    spawned.map((s) => s.argv.slice(s.argv.indexOf('-ss'), s.argv.indexOf('-ss') + 4)),
    [
      ['-ss', '0', '-t', '2'],
      ['-ss', '4', '-t', '2'],
    ],
  );
  const f = hi.figures!;
  assert.ok(f, 'figures');
  console.log(`    360p at 6000 kb/s: ${show(f)}`);
  assert.equal(f.windows, [
    { startSeconds: 0, durationSeconds: 2 },
    { startSeconds: 4, durationSeconds: 2 },
  ]);
  assert.is(f.frames, 100, '2 windows × 2 s × 25 fps');
  assert.is(f.sampledSeconds, 4);
  assert.ok(f.psnr.mean > 35, `PSNR ${f.psnr.mean}`);
  assert.ok(f.ssim.mean > 0.95, `SSIM ${f.ssim.mean}`);
  assert.ok(f.xpsnr, 'the image has xpsnr');
  assert.ok(f.xpsnr!.mean > 35, `XPSNR ${f.xpsnr!.mean}`);
  for (const m of [f.psnr, f.ssim, f.xpsnr!]) {
    assert.ok(m.min <= m.mean);
    assert.ok([0, 4].includes(m.worstSegmentSeconds), String(m.worstSegmentSeconds));
  }

  const lo = (await measure(LO, { kind: 'segments', count: 2 })).figures!;
  console.log(`    180p at 30 kb/s: ${show(lo)}`);
  assert.is(lo.frames, 100);
  assert.ok(lo.psnr.mean < f.psnr.mean - 8, `PSNR ${lo.psnr.mean} against ${f.psnr.mean}`);
  assert.ok(lo.ssim.mean < f.ssim.mean - 0.05, `SSIM ${lo.ssim.mean} against ${f.ssim.mean}`);
  assert.ok(lo.xpsnr!.mean < f.xpsnr!.mean - 8, `XPSNR ${lo.xpsnr!.mean} against ${f.xpsnr!.mean}`);
});

test('the whole programme: one window, every frame; its mean agrees with the segments measured alone', async () => {
  const all = await measure(HI, { kind: 'all' });
  assert.is(all.runs.length, 1);
  const f = all.figures!;
  assert.equal(f.windows, [{ startSeconds: 0, durationSeconds: 6 }]);
  assert.is(f.frames, 150);
  assert.is(f.sampledSeconds, 6);
  const each = await measure(HI, { kind: 'segments', count: 3 });
  const g = each.figures!;
  assert.is(g.frames, 150);
  assert.is(each.runs.length, 3);
  // Same frames, same reference: PSNR and SSIM are per-frame and equal; XPSNR differs only
  // at each window's first frame (no temporal history there).
  assert.ok(Math.abs(f.psnr.mean - g.psnr.mean) < 1e-9, `${f.psnr.mean} ${g.psnr.mean}`);
  assert.ok(Math.abs(f.ssim.mean - g.ssim.mean) < 1e-9, `${f.ssim.mean} ${g.ssim.mean}`);
  assert.is(f.psnr.worstSegmentSeconds, g.psnr.worstSegmentSeconds);
  assert.ok(Math.abs(f.xpsnr!.mean - g.xpsnr!.mean) < 1, `${f.xpsnr!.mean} ${g.xpsnr!.mean}`);
});

test('a rendition that is not there: the run fails, no figures, the run kept for the audit', async () => {
  const result = await qualityStage(pools.quality, ctx, {
    taskId: 'quality-missing',
    plan,
    rungIndex: HI,
    renditionPath: join(work, 'nowhere.mp4'),
    masterPath: master,
    scratchDir: join(work, 'scratch-missing'),
    sample: { kind: 'segments', count: 2 },
  });
  assert.is(result.figures, null);
  assert.is(result.runs.length, 1);
  assert.is(result.runs[0]!.outcome, 'failed');
  assert.match(result.runs[0]!.stderrTail, /nowhere\.mp4/);
});

test.run();

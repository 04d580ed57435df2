import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolConfig } from '../../src/config/schema.js';
import { hdrMetadataFromSideData } from '../../src/media/hdr-metadata.js';
import { hevcLevelIdc } from '../../src/media/hevc-levels.js';
import { planLadder } from '../../src/media/ladder-plan.js';
import { LOUDNESS_STANDARDS, type LoudnessTarget } from '../../src/media/ladder-template.js';
import type { MediaInfo } from '../../src/media/media-info.js';
import { StagePool } from '../../src/supervisor/stage-pool.js';
import { encodeStage, renditionPath } from '../../src/supervisor/stages/encode-stage.js';
import { probeStage } from '../../src/supervisor/stages/probe-stage.js';
import type { StageContext } from '../../src/supervisor/stages/stage-context.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { audioTemplate, hdrTemplate } from '../media/encode-templates.js';
import { keyframeTimes, mediaTools, type MediaTools } from '../media/media-tools.js';
import { firstFrameHdr, videoStreamFacts } from '../media/probe-output.js';
import { HDR10_METADATA, threeLanguageMasterArgs, X265_HDR10, x265Main10Args } from '../media/test-masters.js';

const cfg = (cores: number[]): PoolConfig => ({ cores, slots: 1, timeoutSeconds: 240, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 });
const pools = { probe: new StagePool('probe', cfg([1])), encode: new StagePool('encode', cfg([0, 1])) };
const work = tempDir('mpegflow-encode-stage-');
const EBU: LoudnessTarget = { standard: 'ebu-r128', ...LOUDNESS_STANDARDS['ebu-r128'] };
let ctx: StageContext;
let t: MediaTools;

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(2);

test.before(async () => {
  t = await mediaTools();
  const signed = await signedImageCopy();
  ctx = { image: signed.ref, trust: signed.trust };
});

test.after(async () => {
  await Promise.all(Object.values(pools).map((p) => p.close()));
});

test('HDR10 2160p master: the probe stage finds its metadata in the first frame; one encode makes HEVC PQ 2160p + 360p and a tone-mapped H.264 360p', async () => {
  const master = join(work, 'hdr10-2160p.mp4');
  let started = Date.now();
  t.make([
    '-f',
    'lavfi',
    '-i',
    // A 540p test pattern blown up to 2160p: a real 2160p frame for the encoders, cheap to make.
    'testsrc2=size=960x540:rate=25:duration=1',
    '-vf',
    'scale=3840:2160:flags=neighbor,format=yuv420p10le',
    ...x265Main10Args(X265_HDR10, 'smpte2084'),
    '-tag:v',
    'hvc1',
    master,
  ]);
  console.log(`    make 3840x2160 1 s HDR10 master: ${seconds(started)} s`);

  const probe = await probeStage(pools.probe, ctx, { taskId: 'probe-hdr', inputPath: master });
  assert.is(probe.run.outcome, 'succeeded', probe.run.stderrTail);
  assert.ok(probe.hdrFrameRun, 'a PQ master without stream-level metadata gets the frame probe');
  assert.is(probe.hdrFrameRun!.outcome, 'succeeded', probe.hdrFrameRun!.stderrTail);
  assert.ok(probe.hdrFrameRun!.argv.includes('%+#1'));
  assert.equal(probe.frameHdrMetadata, HDR10_METADATA);
  assert.ok(probe.outcome?.readable);
  const info = (probe.outcome as { info: MediaInfo }).info;
  assert.equal(info.video!.hdrMetadata, HDR10_METADATA);
  assert.equal(probe.verdict, { accepted: true });

  const plan = planLadder(info, hdrTemplate());
  assert.equal(
    plan.rungs.map((r) => `${r.name} ${r.codec} ${r.range}`),
    ['360p-sdr h264 sdr', '360p-hdr hevc pq', '2160p-hdr hevc pq'],
  );
  const outDir = join(work, 'hdr');
  const fractions: number[] = [];
  started = Date.now();
  const enc = await encodeStage(pools.encode, ctx, {
    taskId: 'enc-hdr',
    plan,
    inputPath: master,
    outDir,
    x264Preset: 'ultrafast',
    onProgress: (p) => p.fraction !== null && fractions.push(p.fraction),
  });
  console.log(`    encode stage 2160p HDR10 1 s → HEVC 2160p + 360p PQ, H.264 360p tone-mapped (ultrafast, 2 cores): ${seconds(started)} s`);
  assert.is(enc.run.outcome, 'succeeded', enc.run.stderrTail);
  assert.equal(enc.measureRuns, []);
  assert.equal(enc.loudness, {});
  assert.equal(
    enc.renditions.map((r) => `${r.name} ${r.kind} ${r.rungIndex}`),
    ['360p-sdr video 0', '360p-hdr video 1', '2160p-hdr video 2'],
  );
  for (const r of enc.renditions) {
    assert.is(r.path, renditionPath(outDir, r.name));
    assert.is(r.path, join(outDir, `${r.name}.mp4`));
    assert.is(r.sha256, sha(r.path));
  }
  assert.is(fractions.at(-1), 1);

  const uhd = videoStreamFacts(t, renditionPath(outDir, '2160p-hdr'));
  assert.equal(
    [uhd['codec_name'], uhd['profile'], uhd['pix_fmt'], uhd['codec_tag_string'], uhd['width'], uhd['height']],
    ['hevc', 'Main 10', 'yuv420p10le', 'hvc1', 3840, 2160],
  );
  assert.equal([uhd['color_primaries'], uhd['color_transfer'], uhd['color_space']], ['bt2020', 'smpte2084', 'bt2020nc']);
  assert.is(uhd['level'], hevcLevelIdc(plan.rungs[2]!.level), `level ${plan.rungs[2]!.level}`);
  assert.equal(hdrMetadataFromSideData(uhd['side_data_list']), HDR10_METADATA);
  assert.equal(firstFrameHdr(t, renditionPath(outDir, '2160p-hdr')), HDR10_METADATA);
  const sdr = videoStreamFacts(t, renditionPath(outDir, '360p-sdr'));
  assert.equal([sdr['codec_name'], sdr['pix_fmt'], sdr['color_transfer'], sdr['color_primaries']], ['h264', 'yuv420p', 'bt709', 'bt709']);
  assert.is(firstFrameHdr(t, renditionPath(outDir, '360p-sdr')), null);
  for (const r of enc.renditions) assert.equal(keyframeTimes(t, r.path), [0], r.name);

  // Our own HEVC output has the metadata at stream level too (mdcv/clli): no frame probe needed.
  const again = await probeStage(pools.probe, ctx, { taskId: 'probe-hdr-out', inputPath: renditionPath(outDir, '360p-hdr') });
  assert.is(again.hdrFrameRun, null);
  assert.equal((again.outcome as { info: MediaInfo }).info.video!.hdrMetadata, HDR10_METADATA);
});

test('three languages with a loudness target and 5.1: one measure process, then one encode; the loudness of each rendition is returned', async () => {
  const master = join(work, 'languages.mkv');
  t.make([...threeLanguageMasterArgs(6), '-metadata', 'title=SECRET-PROGRAMME-TITLE', master]);
  const probe = await probeStage(pools.probe, ctx, { taskId: 'probe-audio', inputPath: master });
  assert.is(probe.hdrFrameRun, null, 'an SDR master gets no frame probe');
  const info = (probe.outcome as { info: MediaInfo }).info;
  const plan = planLadder(info, audioTemplate({ select: { by: 'all' }, surround: { codec: 'eac3', bitrateKbps: 384 }, loudness: EBU }));
  const names = plan.audio.map((a) => a.name);
  assert.equal(names, ['audio-en', 'audio-fr', 'audio-de', 'audio-fr-51']);

  const outDir = join(work, 'audio');
  const started = Date.now();
  const enc = await encodeStage(pools.encode, ctx, { taskId: 'enc-audio', plan, inputPath: master, outDir, x264Preset: 'ultrafast' });
  console.log(`    encode stage 6 s, 240p + 4 audio renditions, two-pass loudnorm: ${seconds(started)} s`);
  assert.is(enc.run.outcome, 'succeeded', enc.run.stderrTail);
  assert.is(enc.measureRuns.length, 1);
  const measure = enc.measureRuns[0]!;
  assert.is(measure.outcome, 'succeeded');
  assert.is(measure.taskId, 'enc-audio:loudness-0');
  assert.ok(measure.argv.includes('-filter_complex') && measure.argv.join(' ').includes('print_format=json'));
  assert.not.ok(measure.stderrTail.includes('SECRET-PROGRAMME-TITLE'), 'the master metadata of the input dump stays out of the run record');
  assert.match(measure.stderrTail, /^\[loudnorm@m\d @ 0x[0-9a-f]+\]/);
  assert.equal(Object.keys(enc.loudness).sort(), [...names].sort());
  for (const name of names) {
    const l = enc.loudness[name]!;
    assert.equal(l.target, EBU);
    assert.is(l.normalised, true);
    assert.ok(typeof l.inputI === 'number' && typeof l.inputTP === 'number' && typeof l.targetOffset === 'number', name);
  }
  assert.ok(enc.loudness['audio-de']!.inputI! < enc.loudness['audio-en']!.inputI!, 'the German track is the quiet one');
  // The encode applies what was measured, as numbers re-formatted.
  const applied = enc.run.argv.filter((a) => a.includes('loudnorm='));
  assert.is(applied.length, 4);
  assert.ok(applied[0]!.includes(`measured_I=${enc.loudness['audio-en']!.inputI}`), applied[0]);
  assert.equal(
    enc.renditions.map((r) => `${r.name} ${r.kind}`),
    ['240p video', 'audio-en audio', 'audio-fr audio', 'audio-de audio', 'audio-fr-51 audio'],
  );
  for (const r of enc.renditions) assert.is(r.sha256, sha(r.path));

  // Retry of one audio rendition by name: its own measure, its own output.
  const retry = await encodeStage(pools.encode, ctx, {
    taskId: 'enc-audio-retry',
    plan,
    inputPath: master,
    outDir: join(work, 'audio-retry'),
    scope: { kind: 'audio', name: 'audio-fr-51' },
  });
  assert.is(retry.run.outcome, 'succeeded', retry.run.stderrTail);
  assert.is(retry.measureRuns.length, 1);
  assert.equal(Object.keys(retry.loudness), ['audio-fr-51']);
  assert.equal(retry.loudness['audio-fr-51'], enc.loudness['audio-fr-51'], 'the same measurement');
  assert.equal(
    retry.renditions.map((r) => r.name),
    ['audio-fr-51'],
  );
  assert.is(retry.renditions[0]!.path, join(work, 'audio-retry', 'audio-fr-51.mp4'));

  // A rung retry measures nothing.
  const rung = await encodeStage(pools.encode, ctx, {
    taskId: 'enc-rung-retry',
    plan,
    inputPath: master,
    outDir: join(work, 'rung-retry'),
    scope: { kind: 'rung', rungIndex: 0 },
    x264Preset: 'ultrafast',
  });
  assert.is(rung.run.outcome, 'succeeded');
  assert.equal(rung.measureRuns, []);
  assert.equal(
    rung.renditions.map((r) => r.name),
    ['240p'],
  );
});

test('a failed measure pass is the result: nothing is encoded', async () => {
  const master = join(work, 'short.mp4');
  t.make([...testClipArgs('320x240', 2), master]);
  const info = (await probeStage(pools.probe, ctx, { taskId: 'probe-short', inputPath: master })).outcome as { info: MediaInfo };
  const plan = planLadder(info.info, audioTemplate({ loudness: EBU }));
  const spawned: string[][] = [];
  const enc = await encodeStage(
    pools.encode,
    { ...ctx, onSpawned: (p) => spawned.push([...p.argv]) },
    { taskId: 'enc-missing', plan, inputPath: join(work, 'gone.mp4'), outDir: join(work, 'missing') },
  );
  assert.is(enc.run.outcome, 'failed');
  assert.is(enc.run.taskId, 'enc-missing:loudness-0');
  assert.equal(enc.measureRuns, [enc.run]);
  assert.equal(enc.renditions, []);
  assert.equal(enc.loudness, {});
  assert.is(spawned.length, 1, 'the encode never started');
  assert.match(enc.run.stderrTail, /No such file or directory/);

  // An unknown audio rendition name is a programming error, not a run.
  try {
    await encodeStage(pools.encode, ctx, { taskId: 'x', plan, inputPath: master, outDir: join(work, 'x'), scope: { kind: 'audio', name: 'audio-xx' } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RangeError);
  }
});

test.run();

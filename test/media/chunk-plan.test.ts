import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { chunkedFraction, gopStartFrame, planChunks, plannedKeyframes, type ChunkingPolicy } from '../../src/media/chunk-plan.js';
import { encodeAllAudioArgs, encodeChunkArgs } from '../../src/media/encode-args.js';
import { planLadder } from '../../src/media/ladder-plan.js';
import { parseSourceIndex, sourceIndexArgs, type SourceIndex } from '../../src/media/source-index.js';
import { fakeInfo, type FakeSource } from './probe-doc.js';

const policy: ChunkingPolicy = { enabled: true, thresholdSeconds: 300, chunkSeconds: 60 };
const setup = (s: Partial<FakeSource> = {}) => {
  const info = fakeInfo({ width: 1920, height: 1080, duration: 600, ...s });
  return { info, plan: planLadder(info, professionalTemplate) };
};
/** An index of `seconds` at `fps` with a keyframe every `gop` seconds. */
const index = (seconds: number, fps: number, gop: number): SourceIndex => ({
  frames: Math.round(seconds * fps),
  keyframeSeconds: Array.from({ length: Math.ceil(seconds / gop) }, (_, i) => i * gop),
  lastSeconds: seconds - 1 / fps,
});

test('a 10-minute 25 fps master: ten chunks of 60 s on the 2 s GOP grid, frames exact, audited reason', () => {
  const { info, plan } = setup();
  const d = planChunks(plan, info.video, index(600, 25, 2), policy);
  assert.ok(d.chunked);
  if (!d.chunked) return;
  assert.is(d.reasonCode, 'long-master');
  assert.is(d.totalFrames, 15000);
  assert.is(d.chunks.length, 10);
  assert.equal(d.chunks[3], { index: 3, startFrame: 4500, frames: 1500, startSeconds: 180, endSeconds: 240, firstGop: 90 });
  assert.is(
    d.chunks.reduce((n, c) => n + c.frames, 0),
    15000,
  );
  assert.match(d.reason, /600 s is over the chunking threshold of 300 s: 10 chunks of about 60 s/);
});

test('chunk length rounds to whole GOPs; a last chunk under half a chunk joins the one before', () => {
  const { info, plan } = setup({ duration: 610 });
  const d = planChunks(plan, info.video, index(610, 25, 2), { ...policy, chunkSeconds: 61 });
  assert.ok(d.chunked);
  if (!d.chunked) return;
  assert.is(d.chunkSeconds, 62);
  assert.is(d.chunks.length, 10, '610 s = 9 × 62 s + 52 s: the 52 s stays a chunk (over half)');
  assert.is(d.chunks.at(-1)!.frames, 52 * 25);
  const e = planChunks(plan, info.video, index(610, 25, 2), policy);
  assert.ok(e.chunked);
  if (!e.chunked) return;
  assert.is(e.chunks.length, 10, '10 s left over joins the last chunk');
  assert.is(e.chunks.at(-1)!.frames, 70 * 25);
});

test('NTSC: GOP starts follow the unchunked encode (first frame at or after n × 2 s), so chunks start on its keyframes', () => {
  const { info, plan } = setup({ rate: '30000/1001', avgRate: '30000/1001' });
  assert.equal(
    [0, 1, 2, 3, 50].map((n) => gopStartFrame(plan, n)),
    [0, 60, 120, 180, 2998],
  );
  const d = planChunks(plan, info.video, index(600, 30000 / 1001, 2), policy);
  assert.ok(d.chunked);
  if (!d.chunked) return;
  assert.is(d.chunks[1]!.startFrame, gopStartFrame(plan, 30));
  assert.ok(plannedKeyframes(plan, d.totalFrames).includes(d.chunks[1]!.startFrame));
  assert.ok(Math.abs(d.chunks[1]!.startSeconds - (1799 * 1001) / 30000) < 1e-9);
});

test('not chunked, each with its reason code: off, short, VFR, frame-rate conversion, no index, long GOP, one chunk, no video', () => {
  const { info, plan } = setup();
  const why = (d: ReturnType<typeof planChunks>) => (d.chunked ? 'chunked' : d.reasonCode);
  assert.is(why(planChunks(plan, info.video, index(600, 25, 2), { ...policy, enabled: false })), 'disabled');
  assert.is(why(planChunks(plan, info.video, index(600, 25, 2), { ...policy, thresholdSeconds: 600 })), 'short-master');
  const vfr = setup({ rate: '30/1', avgRate: '24/1' });
  assert.is(why(planChunks(vfr.plan, vfr.info.video, index(600, 24, 2), policy)), 'variable-frame-rate');
  const fast = setup({ rate: '100/1', avgRate: '100/1' });
  assert.is(why(planChunks(fast.plan, fast.info.video, index(600, 100, 2), policy)), 'frame-rate-conversion');
  assert.is(why(planChunks(plan, info.video, null, policy)), 'no-index');
  const longGop = planChunks(plan, info.video, index(600, 25, 90), policy);
  assert.is(why(longGop), 'long-gop');
  assert.match(longGop.reason, /up to 90 s apart/);
  assert.is(
    why(planChunks(plan, info.video, { frames: 15000, keyframeSeconds: [0], lastSeconds: 599.96 }, policy)),
    'long-gop',
    'one keyframe for ten minutes',
  );
  const justOver = setup({ duration: 310 });
  assert.is(why(planChunks(justOver.plan, justOver.info.video, index(310, 25, 2), { ...policy, chunkSeconds: 300 })), 'one-chunk');
  assert.is(why(planChunks(plan, null, index(600, 25, 2), policy)), 'audio-only');
});

test('the packet index: frames, keyframe times from the first packet, refused when a timestamp is missing', () => {
  assert.equal(sourceIndexArgs('/m/master.mov', 0).slice(-6), ['-show_entries', 'stream=time_base:packet=pts,flags', '-of', 'csv=p=0', '-i', '/m/master.mov']);
  const out = ['1024,K__', '3072,___', '2048,___', '52224,K_', '53248,___', '1/25600', ''].join('\n');
  assert.equal(parseSourceIndex(out), { frames: 5, keyframeSeconds: [0, 2], lastSeconds: 2.04 });
  assert.is(parseSourceIndex(['N/A,K__', '1/25', ''].join('\n')), null);
  assert.is(parseSourceIndex(['1/25', ''].join('\n')), null);
  assert.is(parseSourceIndex(''), null);
});

test('a chunk argv: -ss before the input, every rung with -frames:v and keyframes on the programme grid; audio whole, once', () => {
  const { plan } = setup();
  const args = encodeChunkArgs(
    plan,
    { startSeconds: 180, firstGop: 90, frames: 1500 },
    { input: '/m/master.mov', rungOutputs: plan.rungs.map((r) => `/o/${r.name}.mp4`) },
  );
  assert.equal(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 4), ['-ss', '180', '-i', '/m/master.mov']);
  assert.is(args.filter((a) => a === '-frames:v').length, plan.rungs.length);
  assert.ok(args.includes('expr:gte(t+180,(n_forced+90)*2)'));
  assert.not.ok(args.includes('-c:a'), 'no audio in a chunk');
  const audio = encodeAllAudioArgs(plan, { input: '/m/master.mov', audioOutputs: plan.audio.map((a) => `/o/${a.name}.mp4`) });
  assert.not.ok(audio.includes('-filter_complex'), 'no video in the audio task');
  assert.ok(audio.includes('-c:a'));
});

test('progress of a chunked encode weighs chunks by their frames', () => {
  assert.is(chunkedFraction([{ frames: 100 }, { frames: 300 }], [1, 0.5]), 0.625);
  assert.is(chunkedFraction([], []), 0);
});

test.run();

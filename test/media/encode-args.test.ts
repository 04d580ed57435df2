import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { encodeAudioArgs, encodeLadderArgs, encodeRungArgs } from '../../src/media/encode-args.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { planLadder as planWith, type LadderPlan } from '../../src/media/ladder-plan.js';
import type { MediaInfo } from '../../src/media/media-info.js';
import { parseProbe } from '../../src/media/parse-probe.js';
import { probeArgs } from '../../src/media/probe-args.js';
import { ProgressReader } from '../../src/media/progress.js';
import { tempDir } from '../helpers/temp-dir.js';
import { expectArgumentError } from './expect-argument-error.js';
import { keyframeTimes, mediaTools, type MediaTools } from './media-tools.js';
import { fakeInfo } from './probe-doc.js';

const valueAfter = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);
/** The built-in `professional` template (H.264 SDR, AAC stereo per language). */
const planLadder = (info: MediaInfo) => planWith(info, professionalTemplate);

test('argv shape: one input as a -i pair, one decode, split to every rung, audio once', () => {
  const plan = planLadder(fakeInfo({ width: 1920, height: 1080, fieldOrder: 'tt' }));
  const args = encodeLadderArgs(plan, {
    input: '/in/master.mov',
    rungOutputs: plan.rungs.map((r) => `/tmp/x/${r.name}.mp4`),
    audioOutputs: ['/tmp/x/audio-en.mp4'],
  });
  assert.equal(valueAfter(args, '-i'), ['/in/master.mov']);
  assert.is(args.filter((a) => a === '-i').length, 1);
  const graph = valueAfter(args, '-filter_complex')[0]!;
  assert.match(graph, /^\[0:0\]bwdif=mode=send_frame:parity=tff:deint=all,split=4\[s0\]\[s1\]\[s2\]\[s3\];/);
  assert.match(graph, /\[s3\]scale=w=1920:h=1080:flags=lanczos.*setsar=sar=1\/1:max=100\[v3\]$/);
  assert.is(valueAfter(args, '-c:v').length, 4);
  assert.equal(valueAfter(args, '-g'), ['50', '50', '50', '50']);
  assert.equal(valueAfter(args, '-keyint_min'), ['50', '50', '50', '50']);
  assert.equal(valueAfter(args, '-sc_threshold'), ['0', '0', '0', '0']);
  assert.equal(valueAfter(args, '-bf'), ['2', '2', '2', '2']);
  assert.equal(valueAfter(args, '-force_key_frames'), Array(4).fill('expr:gte(t,n_forced*2)'));
  assert.equal(valueAfter(args, '-fps_mode'), Array(4).fill('cfr'));
  assert.equal(valueAfter(args, '-r'), Array(4).fill('25/1'));
  assert.equal(valueAfter(args, '-b:v'), ['400k', '1400k', '3000k', '6000k']);
  assert.equal(valueAfter(args, '-maxrate'), ['480k', '1680k', '3600k', '7200k']);
  assert.equal(valueAfter(args, '-level:v'), ['2.1', '3', '3.1', '4']);
  assert.equal(valueAfter(args, '-preset'), Array(4).fill('medium'));
  assert.equal(valueAfter(args, '-c:a'), ['aac']);
  assert.equal(valueAfter(args, '-map').slice(-1), ['0:1']);
  assert.ok(args.includes('-vn'));
  assert.equal(args.slice(0, 9), ['-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5', '-y']);
  assert.not.ok(args.includes('-nostdin'), 'the verified spawn adds it');
  assert.not.ok(args.includes('-protocol_whitelist'), 'the verified spawn adds it');
});

test('argv builders refuse unsafe values', () => {
  const plan = planLadder(fakeInfo({ width: 1280, height: 720 }));
  const outs = plan.rungs.map((r) => `/o/${r.name}.mp4`);
  const bad: Array<() => unknown> = [
    () => encodeLadderArgs(plan, { input: 'relative.mov', rungOutputs: outs, audioOutputs: ['/o/a.mp4'] }),
    () => encodeLadderArgs(plan, { input: '-f', rungOutputs: outs, audioOutputs: ['/o/a.mp4'] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: ['/in/m.mov', ...outs.slice(1)], audioOutputs: ['/o/a.mp4'] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: outs.slice(1), audioOutputs: ['/o/a.mp4'] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: outs, audioOutputs: [] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: outs, audioOutputs: ['/o/a.mp4', '/o/b.mp4'] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: outs, audioOutputs: [outs[0]!] }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov', rungOutputs: outs, audioOutputs: ['/o/a.mp4'], x264Preset: 'fast -y' as never }),
    () => encodeLadderArgs(plan, { input: '/in/m.mov\n-y', rungOutputs: outs, audioOutputs: ['/o/a.mp4'] }),
    () => encodeRungArgs(plan, 3, { input: '/in/m.mov', output: '/o/x.mp4' }),
    () => encodeAudioArgs(planLadder(fakeInfo({ width: 1280, height: 720, audioTracks: 0 })), 'audio-en', { input: '/in/m.mov', output: '/o/a.mp4' }),
    () => encodeAudioArgs(plan, '-filter_complex', { input: '/in/m.mov', output: '/o/a.mp4' }),
    () => encodeAudioArgs(plan, 'audio-en', { input: '/in/m.mov', output: '/in/m.mov' }),
  ];
  for (const fn of bad) expectArgumentError(fn);
});

// ---- end to end with the real ffmpeg ----
let t: MediaTools;
let plan: LadderPlan;
const dir = tempDir('mpegflow-media-encode-');
const src = join(dir, 'master.mp4');
const rungPath = (name: string) => join(dir, `${name}.mp4`);
let encodeSeconds = 0;
let progressStdout = '';

test('e2e: 1280x720 6 s master → 3 rungs + audio in one ffmpeg, keyframes identical every 2 s', async () => {
  t = await mediaTools();
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=25:duration=6',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100:duration=6',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '250',
    '-c:a',
    'aac',
    '-shortest',
    src,
  ]);
  plan = planLadder(parseProbe(t.ffprobe(probeArgs(src)).stdout));
  assert.equal(
    plan.rungs.map((r) => r.name),
    ['240p', '480p', '720p'],
  );
  const args = encodeLadderArgs(plan, {
    input: src,
    rungOutputs: plan.rungs.map((r) => rungPath(r.name)),
    audioOutputs: plan.audio.map((a) => rungPath(a.name)),
    x264Preset: 'ultrafast',
  });
  const started = Date.now();
  const r = t.ffmpeg(args);
  encodeSeconds = (Date.now() - started) / 1000;
  assert.is(r.status, 0, r.stderr);
  progressStdout = r.stdout;
  console.log(`    encode 1280x720 6 s → 3 rungs + audio (ultrafast, 2 cores): ${encodeSeconds.toFixed(2)} s`);

  const expected = [0, 2, 4];
  for (const rung of plan.rungs) {
    const keys = keyframeTimes(t, rungPath(rung.name));
    assert.equal(keys, expected, `${rung.name} keyframes`);
    const probe = parseProbe(t.ffprobe(probeArgs(rungPath(rung.name))).stdout);
    assert.is(probe.video!.width, rung.width);
    assert.is(probe.video!.height, rung.height);
    assert.equal(probe.video!.frameRate, { num: 25, den: 1 });
    assert.is(probe.audio.length, 0);
    assert.is(probe.video!.codec, 'h264');
  }
  assert.equal(
    plan.audio.map((a) => a.name),
    ['audio-0'],
  );
  const audio = parseProbe(t.ffprobe(probeArgs(rungPath('audio-0'))).stdout);
  assert.is(audio.video, null);
  assert.is(audio.audio[0]!.codec, 'aac');
  assert.is(audio.audio[0]!.channels, 2);
  assert.is(audio.audio[0]!.sampleRate, 48000);
});

test('e2e: -progress output parses to a rising fraction ending at 1', () => {
  const reader = new ProgressReader(plan.durationSeconds);
  // Feed in odd-sized chunks, as a pipe would deliver them.
  const updates = [];
  for (let i = 0; i < progressStdout.length; i += 37) updates.push(...reader.push(progressStdout.slice(i, i + 37)));
  assert.ok(updates.length >= 1);
  const last = updates.at(-1)!;
  assert.is(last.done, true);
  assert.is(last.fraction, 1);
  assert.ok(last.outTimeSeconds! > 5.5);
  const fractions = updates.map((u) => u.fraction!);
  assert.equal(
    fractions,
    [...fractions].sort((a, b) => a - b),
  );
});

test('e2e: a single-rung retry is GOP-aligned with the ladder encode', () => {
  const retry = join(dir, 'retry-480p.mp4');
  const r = t.ffmpeg(encodeRungArgs(plan, 1, { input: src, output: retry, x264Preset: 'ultrafast' }));
  assert.is(r.status, 0, r.stderr);
  assert.equal(keyframeTimes(t, retry), keyframeTimes(t, rungPath('480p')));
  const a = t.ffmpeg(encodeAudioArgs(plan, 'audio-0', { input: src, output: join(dir, 'retry-audio.mp4') }));
  assert.is(a.status, 0, a.stderr);
});

test('e2e: anamorphic interlaced 29.97 fps master → square-pixel, deinterlaced, CFR rungs with aligned keyframes', () => {
  const pal = join(dir, 'ntsc.mp4');
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=720x480:rate=30000/1001:duration=4.2',
    '-vf',
    'setfield=tff,setsar=8/9',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-flags',
    '+ilme+ildct',
    '-top',
    '1',
    pal,
  ]);
  const p = planLadder(parseProbe(t.ffprobe(probeArgs(pal)).stdout));
  assert.is(p.deinterlace, true);
  assert.equal(p.audio, []);
  assert.equal(
    p.rungs.map((r) => `${r.width}x${r.height}`),
    ['320x240', '640x480'],
  );
  const outs = p.rungs.map((r) => join(dir, `ntsc-${r.name}.mp4`));
  const r = t.ffmpeg(encodeLadderArgs(p, { input: pal, rungOutputs: outs, audioOutputs: [], x264Preset: 'ultrafast' }));
  assert.is(r.status, 0, r.stderr);
  for (const out of outs) {
    const v = parseProbe(t.ffprobe(probeArgs(out)).stdout).video!;
    assert.equal(v.sar, { num: 1, den: 1 });
    assert.is(v.fieldOrder, 'progressive');
    assert.equal(v.frameRate, { num: 30000, den: 1001 });
    assert.equal(
      keyframeTimes(t, out).map((x) => Math.round(x * 1000)),
      [0, 2002, 4004],
    );
  }
});

test('e2e: a master rotated 90° for display comes out upright (portrait pixels, no rotation left)', () => {
  const landscape = join(dir, 'landscape.mp4');
  const rotated = join(dir, 'rotated.mp4');
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=2.5', '-c:v', 'libx264', '-preset', 'ultrafast', landscape]);
  t.make(['-display_rotation', '90', '-i', landscape, '-c', 'copy', rotated]);
  const p = planLadder(parseProbe(t.ffprobe(probeArgs(rotated)).stdout));
  assert.equal(
    p.rungs.map((r) => `${r.name} ${r.width}x${r.height}`),
    ['240p 240x426'],
  );
  const out = join(dir, 'rotated-240p.mp4');
  const r = t.ffmpeg(encodeRungArgs(p, 0, { input: rotated, output: out, x264Preset: 'ultrafast' }));
  assert.is(r.status, 0, r.stderr);
  const v = parseProbe(t.ffprobe(probeArgs(out)).stdout).video!;
  assert.is(v.width, 240);
  assert.is(v.height, 426);
  assert.is(v.rotation, 0);
});

test.run();

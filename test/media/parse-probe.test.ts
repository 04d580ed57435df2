import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAccepted } from '../../src/media/accepted-formats.js';
import { parseKeyframeProbe } from '../../src/media/gop-estimate.js';
import type { MediaInfo } from '../../src/media/media-info.js';
import { parseProbe, readProbe, type ProbeOutcome } from '../../src/media/parse-probe.js';
import { keyframeProbeArgs, probeArgs } from '../../src/media/probe-args.js';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';
import { mediaTools, type MediaTools } from './media-tools.js';

// Real ffprobe output of real (tiny) files made here with lavfi sources.
let t: MediaTools;
const dir = tempDir('mpegflow-media-probe-');
const path = (name: string) => join(dir, name);
const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];

function probe(name: string): ProbeOutcome {
  const r = t.ffprobe(probeArgs(path(name)));
  return readProbe(r.stdout, { stderr: r.stderr });
}
function info(name: string): MediaInfo {
  const o = probe(name);
  if (!o.readable) throw new Error(`${name} unreadable: ${o.reason.message}`);
  return o.info;
}
function codes(o: ProbeOutcome): string[] {
  const v = checkAccepted(o);
  return v.accepted ? [] : v.reasons.map((r) => r.code);
}

test.before(async () => {
  t = await mediaTools();
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1920x1080:rate=25:duration=1',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000:duration=1',
    ...x264,
    '-g',
    '12',
    '-c:a',
    'aac',
    '-shortest',
    path('hd.mp4'),
  ]);
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=1918x1080:rate=24000/1001:duration=0.5', ...x264, path('odd.mp4')]);
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=1', ...x264, path('landscape.mp4')]);
  t.make(['-display_rotation', '90', '-i', path('landscape.mp4'), '-c', 'copy', path('rotated.mp4')]);
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=30:duration=2',
    '-vf',
    "select='lt(n,30)+not(mod(n,3))'",
    '-fps_mode',
    'vfr',
    ...x264,
    path('vfr.mp4'),
  ]);
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=720x576:rate=25:duration=1',
    '-vf',
    'setfield=tff,setsar=16/15',
    ...x264,
    '-flags',
    '+ilme+ildct',
    '-top',
    '1',
    path('interlaced.mp4'),
  ]);
  const eight: string[] = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=1'];
  for (let i = 0; i < 8; i++) eight.push('-f', 'lavfi', '-i', `sine=frequency=${300 + 100 * i}:sample_rate=48000:duration=1`);
  eight.push('-map', '0:v');
  for (let i = 1; i <= 8; i++) eight.push('-map', `${i}:a`);
  eight.push(...x264, '-c:a', 'pcm_s24le', '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-shortest', path('eight-tracks.mov'));
  t.make(eight);
  t.make(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1', '-c:a', 'aac', path('audio-only.m4a')]);
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1', '-frames:v', '1', ...x264, path('one-frame.mp4')]);
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1', '-frames:v', '1', path('still.png')]);
  t.make(['-f', 'lavfi', '-i', 'color=c=gray:size=8208x64:rate=25:duration=0.5', ...x264, path('too-wide.mp4')]);
  writeFileSync(path('zero.mp4'), '');
  writeFileSync(path('truncated.mp4'), readFileSync(path('hd.mp4')).subarray(0, 30_000)); // moov is at the end: cut before it
  writeFileSync(path('text.mov'), 'this is not a movie\n');
});

test('1080p H.264/AAC: container, video and audio facts', () => {
  const i = info('hd.mp4');
  assert.ok(i.container.formatNames.includes('mp4'));
  assert.ok(Math.abs((i.container.durationSeconds ?? 0) - 1) < 0.1);
  assert.ok((i.container.sizeBytes ?? 0) > 0 && (i.container.bitRate ?? 0) > 0);
  const v = i.video!;
  assert.is(v.codec, 'h264');
  assert.is(v.width, 1920);
  assert.is(v.height, 1080);
  assert.equal(v.sar, { num: 1, den: 1 });
  assert.equal(v.dar, { num: 16, den: 9 });
  assert.equal(v.frameRate, { num: 25, den: 1 });
  assert.is(v.variableFrameRate, false);
  assert.is(v.fieldOrder, 'progressive');
  assert.is(v.interlaced, false);
  assert.is(v.pixelFormat, 'yuv420p');
  assert.is(v.bitDepth, 8);
  assert.is(v.rotation, 0);
  assert.is(v.frameCount, 25);
  assert.ok(v.profile);
  assert.is(i.audio.length, 1);
  assert.is(i.audio[0]!.codec, 'aac');
  assert.is(i.audio[0]!.sampleRate, 48000);
  assert.is(i.audio[0]!.channels, 1);
  assert.is(i.audio[0]!.channelLayout, 'mono');
  assert.is(i.subtitleCount, 0);
  assert.equal(checkAccepted(probe('hd.mp4')), { accepted: true });
});

test('GOP estimate from the keyframe probe (packets only, no decode)', () => {
  const v = info('hd.mp4').video!;
  const r = t.ffprobe(keyframeProbeArgs(path('hd.mp4'), { streamIndex: v.index, windowSeconds: 10 }));
  assert.is(r.status, 0, r.stderr);
  const gop = parseKeyframeProbe(r.stdout)!;
  assert.ok(gop, 'an estimate');
  assert.is(gop.medianSeconds, 0.48); // -g 12 at 25 fps
  assert.ok(gop.keyframes >= 3);
  const withGop = parseProbe(t.ffprobe(probeArgs(path('hd.mp4'))).stdout, { gop });
  assert.is(withGop.video!.gop, gop);
});

test('odd size 1918x1080 at 23.976 fps is read exactly', () => {
  const v = info('odd.mp4').video!;
  assert.is(v.width, 1918);
  assert.equal(v.frameRate, { num: 24000, den: 1001 });
  assert.equal(v.dar, { num: 959, den: 540 });
  assert.equal(checkAccepted(probe('odd.mp4')), { accepted: true });
});

test('rotation from the display matrix: displayed size is portrait', () => {
  const v = info('rotated.mp4').video!;
  assert.is(v.rotation, 90);
  assert.is(v.width, 320);
  assert.is(v.displayWidth, 180);
  assert.is(v.displayHeight, 320);
  assert.is(info('landscape.mp4').video!.rotation, 0);
});

test('variable frame rate is flagged (r_frame_rate differs from avg_frame_rate)', () => {
  const v = info('vfr.mp4').video!;
  assert.is(v.variableFrameRate, true);
  assert.equal(v.frameRate, { num: 30, den: 1 });
  assert.ok(v.averageFrameRate && v.averageFrameRate.num / v.averageFrameRate.den < 25);
  assert.equal(checkAccepted(probe('vfr.mp4')), { accepted: true });
});

test('interlaced anamorphic PAL: field order, SAR and square-pixel display size', () => {
  const v = info('interlaced.mp4').video!;
  assert.is(v.fieldOrder, 'tt');
  assert.is(v.interlaced, true);
  assert.equal(v.sar, { num: 16, den: 15 });
  assert.equal(v.dar, { num: 4, den: 3 });
  assert.is(v.displayWidth, 768);
  assert.is(v.displayHeight, 576);
  assert.equal(checkAccepted(probe('interlaced.mp4')), { accepted: true });
});

test('8 audio tracks: every track listed in order with language and default flag', () => {
  const i = info('eight-tracks.mov');
  assert.is(i.audio.length, 8);
  assert.equal(
    i.audio.map((a) => a.trackNumber),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal(
    i.audio.map((a) => a.index),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.ok(i.audio.every((a) => a.codec === 'pcm_s24le' && a.sampleRate === 48000));
  assert.is(i.audio[0]!.language, 'eng');
  assert.is(i.audio[1]!.language, 'fra');
  assert.is(i.audio[2]!.language, null);
  assert.ok(i.audio[0]!.isDefault);
  assert.equal(checkAccepted(probe('eight-tracks.mov')), { accepted: true });
});

test('audio-only file: readable, no video, rejected as MEDIA_AUDIO_ONLY', () => {
  const i = info('audio-only.m4a');
  assert.is(i.video, null);
  assert.is(i.audio.length, 1);
  assert.equal(codes(probe('audio-only.m4a')), ['MEDIA_AUDIO_ONLY']);
});

test('a single frame is not a video', () => {
  assert.is(info('one-frame.mp4').video!.frameCount, 1);
  assert.ok(codes(probe('one-frame.mp4')).includes('MEDIA_SINGLE_FRAME'));
  assert.ok(codes(probe('still.png')).includes('MEDIA_SINGLE_FRAME'));
});

test('frame over 8192 px on one side is rejected', () => {
  assert.equal(codes(probe('too-wide.mp4')), ['MEDIA_RESOLUTION_TOO_LARGE']);
});

test("zero-byte, truncated and text-named-.mov files are unreadable, with ffprobe's reason", () => {
  for (const name of ['zero.mp4', 'truncated.mp4', 'text.mov']) {
    const o = probe(name);
    assert.is(o.readable, false, name);
    if (o.readable) continue;
    assert.is(o.reason.code, 'MEDIA_UNREADABLE');
    assert.match(o.reason.message, /moov atom not found|Invalid data/);
    assert.equal(codes(o), ['MEDIA_UNREADABLE']);
  }
  try {
    parseProbe(t.ffprobe(probeArgs(path('zero.mp4'))).stdout);
    assert.unreachable('parseProbe should throw');
  } catch (err) {
    assert.ok(isApplianceError(err));
    assert.is(err.code, 'MEDIA_REJECTED');
    assert.is(err.status, 422);
  }
});

test('output that is not JSON is an appliance fault, not a user error', () => {
  try {
    readProbe('ffprobe: error while loading shared libraries');
    assert.unreachable();
  } catch (err) {
    assert.ok(isApplianceError(err));
    assert.is(err.code, 'MEDIA_PROBE_OUTPUT_INVALID');
  }
  assert.is(readProbe('').readable, false);
});

test.run();

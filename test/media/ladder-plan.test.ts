import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planLadder, type LadderPlan } from '../../src/media/ladder-plan.js';
import { professionalTemplate as professionalLadder } from '../../src/media/builtin-templates.js';
import { avc1Codec, h264Level } from '../../src/media/h264-levels.js';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { fakeInfo, type FakeSource } from './probe-doc.js';

const plan = (s: FakeSource): LadderPlan => planLadder(fakeInfo(s), professionalLadder);
const sizes = (p: LadderPlan) => p.rungs.map((r) => `${r.width}x${r.height}`);
const dar = (p: LadderPlan, i: number) => {
  const r = p.rungs[i]!;
  return (r.width * r.sar.num) / (r.height * r.sar.den);
};

test('professional template: five H.264 SDR rungs, AAC stereo per language, 2 s GOPs', () => {
  assert.equal(
    professionalLadder.rungs.map((r) => r.name),
    ['240p', '480p', '720p', '1080p', '2160p'],
  );
  assert.ok(professionalLadder.rungs.every((r) => r.codec === 'h264' && r.range === 'sdr'));
  assert.is(professionalLadder.gopSeconds, 2);
  assert.equal(professionalLadder.audio.select, { by: 'all' });
  assert.equal(professionalLadder.audio.stereo, { bitrateKbps: 128 });
  assert.equal(plan({ width: 1920, height: 1080 }).ladder, { name: 'professional', version: 1 });
});

test('2160p master: all five rungs, rates rising, levels fit', () => {
  const p = plan({ width: 3840, height: 2160 });
  assert.equal(sizes(p), ['426x240', '854x480', '1280x720', '1920x1080', '3840x2160']);
  assert.equal(
    p.rungs.map((r) => r.bitrateKbps),
    [400, 1400, 3000, 6000, 16000],
  );
  assert.equal(
    p.rungs.map((r) => r.level),
    ['2.1', '3', '3.1', '4', '5.1'],
  );
  assert.equal(
    p.rungs.map((r) => r.codecs),
    ['avc1.4d0015', 'avc1.4d001e', 'avc1.64001f', 'avc1.640028', 'avc1.640033'],
  );
  for (const r of p.rungs) assert.ok(r.maxrateKbps > r.bitrateKbps && r.bufsizeKbps >= r.maxrateKbps);
  assert.is(p.gopFrames, 50);
});

test('1080p master yields 4 rungs; 720p 3; 480p 2 (never upscaled)', () => {
  assert.equal(sizes(plan({ width: 1920, height: 1080 })), ['426x240', '854x480', '1280x720', '1920x1080']);
  assert.equal(sizes(plan({ width: 1280, height: 720 })), ['426x240', '854x480', '1280x720']);
  assert.equal(sizes(plan({ width: 854, height: 480 })), ['426x240', '854x480']);
  assert.match(plan({ width: 1280, height: 720 }).notes.join('\n'), /2 rung\(s\) above the source size skipped/);
});

test('every rung of every plan shows exactly the source display aspect with near-square pixels and even sizes', () => {
  for (const s of [
    { width: 1918, height: 1080 },
    { width: 1920, height: 800 },
    { width: 1440, height: 1080, sar: '4:3' },
    { width: 720, height: 576, sar: '16:15' },
    { width: 1080, height: 1920 },
  ] as FakeSource[]) {
    const p = plan(s);
    for (let i = 0; i < p.rungs.length; i++) {
      const r = p.rungs[i]!;
      assert.ok(r.width % 2 === 0 && r.height % 2 === 0, `${r.width}x${r.height} even`);
      assert.ok(Math.abs(r.sar.num / r.sar.den - 1) < 0.01, `${s.width}x${s.height} rung ${r.name} SAR ${r.sar.num}:${r.sar.den} ~ 1`);
      assert.is(r.width * r.sar.num * p.displayAspect.den, r.height * r.sar.den * p.displayAspect.num, 'exact display aspect');
      assert.ok(Math.abs(dar(p, i) - dar(p, 0)) < 1e-12);
    }
  }
});

test('odd 1918x1080: four rungs, even widths, top rung at source size', () => {
  const p = plan({ width: 1918, height: 1080 });
  assert.equal(sizes(p), ['426x240', '852x480', '1278x720', '1918x1080']);
  assert.equal(p.rungs[3]!.sar, { num: 1, den: 1 });
});

test('anamorphic sources come out with square pixels', () => {
  const hdv = plan({ width: 1440, height: 1080, sar: '4:3' });
  assert.equal(sizes(hdv), ['426x240', '854x480', '1280x720', '1920x1080']);
  assert.equal(hdv.rungs[3]!.sar, { num: 1, den: 1 });
  const pal = plan({ width: 720, height: 576, sar: '16:15', fieldOrder: 'tt' });
  assert.equal(sizes(pal), ['320x240', '640x480']);
  assert.equal(
    pal.rungs.map((r) => r.sar),
    [
      { num: 1, den: 1 },
      { num: 1, den: 1 },
    ],
  );
  assert.is(pal.deinterlace, true);
  assert.is(pal.parity, 'tff');
  assert.match(pal.notes.join('\n'), /anamorphic/);
});

test('portrait and rotated sources plan by the displayed orientation', () => {
  const portrait = plan({ width: 1080, height: 1920 });
  assert.equal(sizes(portrait), ['240x426', '480x854', '720x1280', '1080x1920']);
  const rotated = plan({ width: 1920, height: 1080, rotation: 90 });
  assert.equal(sizes(rotated), sizes(portrait));
  assert.equal(rotated.displayAspect, { num: 9, den: 16 });
  const upsideDown = plan({ width: 1920, height: 1080, rotation: 180 });
  assert.equal(sizes(upsideDown), ['426x240', '854x480', '1280x720', '1920x1080']);
  const minus90 = plan({ width: 1920, height: 1080, rotation: -90 });
  assert.equal(sizes(minus90), sizes(portrait));
});

test('scope 1920x800: four rungs by width, bitrate scaled to the smaller picture', () => {
  const p = plan({ width: 1920, height: 800 });
  assert.equal(sizes(p), ['426x178', '854x356', '1280x534', '1920x800']);
  assert.ok(p.rungs[3]!.bitrateKbps < 6000 && p.rungs[3]!.bitrateKbps >= 3000);
});

test('interlaced source gets bwdif, progressive does not', () => {
  assert.is(plan({ width: 1920, height: 1080, fieldOrder: 'tt' }).deinterlace, true);
  assert.is(plan({ width: 1920, height: 1080, fieldOrder: 'bb' }).parity, 'bff');
  assert.is(plan({ width: 1920, height: 1080 }).deinterlace, false);
});

test('frame rates: exact NTSC rates kept, VFR snapped to a constant standard rate, > 60 fps halved, 50 fps kept with more bits', () => {
  const ntsc = plan({ width: 1920, height: 1080, rate: '30000/1001' });
  assert.equal(ntsc.frameRate, { num: 30000, den: 1001 });
  assert.is(ntsc.gopFrames, 60);
  const film = plan({ width: 1920, height: 1080, rate: '24000/1001' });
  assert.is(film.gopFrames, 48);
  const vfr = plan({ width: 1280, height: 720, rate: '30/1', avgRate: '2410/100' });
  assert.is(vfr.fromVariableFrameRate, true);
  assert.equal(vfr.frameRate, { num: 24, den: 1 });
  // within 1% of r_frame_rate is not VFR: r is kept (and the output is constant anyway)
  assert.equal(plan({ width: 1280, height: 720, rate: '30/1', avgRate: '2987/100' }).frameRate, { num: 30, den: 1 });
  assert.match(vfr.notes.join('\n'), /variable frame rate/);
  const fast = plan({ width: 1920, height: 1080, rate: '120/1' });
  assert.equal(fast.frameRate, { num: 60, den: 1 });
  const fifty = plan({ width: 1920, height: 1080, rate: '50/1' });
  assert.equal(fifty.frameRate, { num: 50, den: 1 });
  assert.is(fifty.gopFrames, 100);
  assert.is(fifty.rungs[3]!.bitrateKbps, 9000);
  assert.is(fifty.rungs[3]!.level, '4.2');
  // interlaced stream that reports its field rate as r_frame_rate
  const fields = plan({ width: 1920, height: 1080, rate: '50/1', avgRate: '25/1', fieldOrder: 'tt' });
  assert.equal(fields.frameRate, { num: 25, den: 1 });
  assert.is(fields.fromVariableFrameRate, false);
});

test('audio: the default track first among 8, one rendition per language; none → video-only', () => {
  const eight = plan({ width: 1920, height: 1080, audioTracks: 8 });
  // eng + seven untagged tracks: one eng rendition, one untagged (the first), the rest noted.
  assert.equal(
    eight.audio.map((a) => [a.name, a.streamIndex, a.language, a.isDefault]),
    [
      ['audio-en', 1, 'en', true],
      ['audio-1', 2, null, false],
    ],
  );
  assert.equal(eight.audio[0], {
    name: 'audio-en',
    streamIndex: 1,
    trackNumber: 0,
    codec: 'aac',
    bitrateKbps: 128,
    channels: 2,
    sampleRate: 48000,
    sourceChannels: 2,
    downmix: false,
    language: 'en',
    label: 'English',
    isDefault: true,
    group: 'stereo',
    loudness: null,
    codecs: 'mp4a.40.2',
  });
  assert.match(eight.notes.join('\n'), /another untagged track, not used/);
  const third = plan({ width: 1920, height: 1080, audioTracks: 8, audioDefault: 2 });
  assert.is(third.audio.find((a) => a.isDefault)?.trackNumber, 2);
  const silent = plan({ width: 1920, height: 1080, audioTracks: 0 });
  assert.equal(silent.audio, []);
  assert.is(silent.rungs.length, 4);
});

test('a source smaller than the smallest rung gets one rendition at its own size', () => {
  const p = plan({ width: 320, height: 180 });
  assert.equal(sizes(p), ['320x180']);
  assert.is(p.rungs[0]!.name, '180p');
});

test('video-less media is refused with a code', () => {
  for (const [fn, code] of [[() => planLadder({ ...fakeInfo({ width: 1920, height: 1080 }), video: null }, professionalLadder), 'MEDIA_REJECTED']] as const) {
    try {
      fn();
      assert.unreachable();
    } catch (err) {
      assert.ok(isApplianceError(err));
      assert.is(err.code, code);
    }
  }
});

test('H.264 level table', () => {
  assert.is(h264Level({ width: 1920, height: 1080, fps: 30, maxrateKbps: 7200, bufsizeKbps: 12000, profile: 'high' }), '4');
  assert.is(h264Level({ width: 1920, height: 1080, fps: 60, maxrateKbps: 10800, bufsizeKbps: 18000, profile: 'high' }), '4.2');
  assert.is(h264Level({ width: 3840, height: 2160, fps: 60, maxrateKbps: 28800, bufsizeKbps: 48000, profile: 'high' }), '5.2');
  assert.is(h264Level({ width: 1280, height: 720, fps: 25, maxrateKbps: 30000, bufsizeKbps: 30000, profile: 'high' }), '4.1');
  assert.is(avc1Codec('high', '4'), 'avc1.640028');
  assert.is(avc1Codec('main', '3.1'), 'avc1.4d001f');
});

test.run();

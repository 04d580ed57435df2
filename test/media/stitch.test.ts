import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { rational } from '../../src/media/rational.js';
import { packetIndexArgs, stitchArgs, stitchListText } from '../../src/media/stitch-args.js';
import { checkStitch, parsePacketIndex, type IndexedPacket, type PacketIndex, type StitchExpectation } from '../../src/media/stitch-check.js';
import { expectArgumentError } from './expect-argument-error.js';

const FPS25 = rational(25, 1);
const TICK = 512; // 1/25 s in the 1/12800 time base ffmpeg's MP4 muxer picks for 25 fps

/** Packets as libx264 -bf 2 writes them at 25 fps: IDR every 50 frames, decode order, dts two frames behind. */
function packets(frames: number, keyEvery = 50): IndexedPacket[] {
  const out: IndexedPacket[] = [];
  for (let d = 0; d < frames; d++) {
    // Decode order I P B B P B B …: frame d in decode order shows at pts of its display index.
    const display = d === 0 ? 0 : d % 3 === 1 ? Math.min(d + 2, frames - 1) : d - 1;
    out.push({ pts: display * TICK, dts: (d - 2) * TICK, duration: TICK, size: display % keyEvery === 0 ? 12_000 : 4000, keyframe: display % keyEvery === 0 });
  }
  return out;
}
const index = (p: IndexedPacket[]): PacketIndex => ({ timeBase: rational(1, 12800), packets: p });
const expected = (overrides: Partial<StitchExpectation> = {}): StitchExpectation => ({
  frames: 300,
  frameRate: FPS25,
  keyframes: [0, 50, 100, 150, 200, 250],
  maxrateKbps: 1000,
  bufsizeKbps: 2000,
  chunkStarts: [0, 100, 200],
  ...overrides,
});
const codes = (r: { problems: { code: string }[] }) => [...new Set(r.problems.map((p) => p.code))].sort();

test('the synthetic packets are a valid stream (every display index once)', () => {
  const p = packets(300);
  assert.equal(
    p.map((x) => x.pts! / TICK).sort((a, b) => a - b),
    [...Array(300).keys()],
  );
});

test('the concat list: relative names and each chunk’s exact duration', () => {
  assert.is(
    stitchListText(
      [
        { fileName: 'c0.mp4', frames: 100 },
        { fileName: 'c1.mp4', frames: 100 },
        { fileName: 'c2.mp4', frames: 75 },
      ],
      FPS25,
    ),
    'ffconcat version 1.0\nfile c0.mp4\nduration 4\nfile c1.mp4\nduration 4\nfile c2.mp4\nduration 3\n',
  );
  // 100 frames at 30000/1001 are 3.3366… s: each duration is the difference of rounded cumulative starts.
  assert.match(
    stitchListText(
      [0, 1, 2].map((k) => ({ fileName: `c${k}.mp4`, frames: 100 })),
      rational(30000, 1001),
    ),
    /duration 3\.336667\nfile c1\.mp4\nduration 3\.336666\nfile c2\.mp4\nduration 3\.336667\n$/,
  );
  // However many chunks, their starts never drift: the sum is within half a microsecond of exact.
  const many = stitchListText(
    Array.from({ length: 1000 }, (_, k) => ({ fileName: `c${k}.mp4`, frames: 7 })),
    rational(30000, 1001),
  );
  const micros = [...many.matchAll(/^duration (\d+)(?:\.(\d+))?$/gm)].reduce((sum, m) => sum + Number(m[1]) * 1e6 + Number((m[2] ?? '').padEnd(6, '0')), 0);
  assert.ok(Math.abs(micros - (7000 * 1001 * 1e6) / 30000) <= 0.5, String(micros));
});

test('the concat list refuses any name that is not a plain file name of the folder, and bad counts', () => {
  for (const fileName of ['../c0.mp4', '/tmp/c0.mp4', 'sub/c0.mp4', '.c0.mp4', 'c 0.mp4', "c0'.mp4", 'c0.mp4\nfile /etc/passwd', '', 'ç.mp4', 'x'.repeat(200)])
    expectArgumentError(() => stitchListText([{ fileName, frames: 100 }], FPS25));
  expectArgumentError(() =>
    stitchListText(
      [
        { fileName: 'c0.mp4', frames: 100 },
        { fileName: 'c0.mp4', frames: 100 },
      ],
      FPS25,
    ),
  );
  expectArgumentError(() => stitchListText([{ fileName: 'c0.mp4', frames: 0 }], FPS25));
  expectArgumentError(() => stitchListText([{ fileName: 'c0.mp4', frames: 1.5 }], FPS25));
  expectArgumentError(() => stitchListText([], FPS25));
  expectArgumentError(() => stitchListText([{ fileName: 'c0.mp4', frames: 10 }], { num: 0, den: 1 }));
});

test('stitch and packet-index argv', () => {
  const args = stitchArgs('/w/chunks/stitch.ffconcat', '/w/out/720p.mp4');
  assert.equal(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2), ['-f', 'concat', '-safe', '1', '-i', '/w/chunks/stitch.ffconcat']);
  const joined = args.join(' ');
  for (const part of ['-xerror', '-map 0:v:0 -c copy -an', '-fflags +bitexact', '-movflags +faststart -f mp4 /w/out/720p.mp4'])
    assert.ok(joined.includes(part), part);
  assert.not.ok(args.includes('-safe') && args[args.indexOf('-safe') + 1] === '0');
  expectArgumentError(() => stitchArgs('stitch.ffconcat', '/w/out.mp4'));
  expectArgumentError(() => stitchArgs('/w/list', 'out.mp4'));
  expectArgumentError(() => stitchArgs('/w/list', '/w/./list'));
  assert.equal(packetIndexArgs('/w/out.mp4').slice(-2), ['-i', '/w/out.mp4']);
  assert.ok(
    packetIndexArgs('/w/out.mp4')
      .join(' ')
      .includes('-select_streams v:0 -show_entries packet=pts,dts,duration,size,flags:stream=time_base -print_format compact'),
  );
  expectArgumentError(() => packetIndexArgs('-i'));
});

test('the packet index is read from ffprobe’s compact lines; cut-short or foreign output is refused', () => {
  const text = 'packet|pts=0|dts=-1024|duration=512|size=12912|flags=K__\npacket|pts=N/A|dts=-512|duration=512|size=7918|flags=___\nstream|time_base=1/12800\n';
  assert.equal(parsePacketIndex(text), {
    timeBase: { num: 1, den: 12800 },
    packets: [
      { pts: 0, dts: -1024, duration: 512, size: 12912, keyframe: true },
      { pts: null, dts: -512, duration: 512, size: 7918, keyframe: false },
    ],
  });
  for (const bad of [text.split('\n').slice(0, 2).join('\n'), '', '{"packets": []}', `frame|pts=0\n${text}`, text.replace('size=7918', 'size=N/A')]) {
    try {
      parsePacketIndex(bad);
      assert.unreachable(bad);
    } catch (err) {
      assert.ok(isApplianceError(err), String(err));
      assert.is(err.code, 'MEDIA_PROBE_OUTPUT_INVALID');
    }
  }
});

test('a good stitch: ok, no problem, the keyframes counted, VBV measured', () => {
  const r = checkStitch(index(packets(300)), expected());
  assert.equal(r.problems, []);
  assert.is(r.ok, true);
  assert.is(r.frames, 300);
  assert.is(r.keyframes, 6);
  assert.is(r.vbv.underflows, 0);
  assert.ok(r.vbv.minFullness > 0.9 && r.vbv.minFullness <= 1, String(r.vbv.minFullness));
});

test('a missing frame: the count and the timestamp grid', () => {
  const p = packets(300).filter((x) => x.pts !== 120 * TICK);
  const r = checkStitch(index(p), expected());
  assert.is(r.ok, false);
  assert.equal(codes(r), ['STITCH_FRAME_COUNT', 'STITCH_TIMESTAMPS']);
  assert.ok(r.problems.some((x) => x.code === 'STITCH_TIMESTAMPS' && x.frame === 120 && /1 frames missing before pts 61952/.test(x.message)));
});

test('a duplicate frame: the count and the timestamp grid', () => {
  const p = packets(300);
  const at = p.findIndex((x) => x.pts === 200 * TICK);
  p.splice(at + 1, 0, { ...p[at]!, dts: p[at]!.dts! + 1 }); // the same picture once more, its dts still increasing
  const r = checkStitch(index(p), expected());
  assert.is(r.ok, false);
  assert.equal(codes(r), ['STITCH_FRAME_COUNT', 'STITCH_TIMESTAMPS']);
  assert.ok(r.problems.some((x) => x.code === 'STITCH_TIMESTAMPS' && /duplicate frame at pts 102400/.test(x.message)));
});

test('a dts that does not increase is a timestamp problem even when the pts are right', () => {
  const p = packets(300);
  p[150] = { ...p[150]!, dts: p[149]!.dts! };
  const r = checkStitch(index(p), expected());
  assert.equal(codes(r), ['STITCH_TIMESTAMPS']);
  assert.match(r.problems[0]!.message, /dts .* of packet 150 does not increase/);
});

test('a misplaced keyframe: missing where planned, present where not', () => {
  const frame = (x: IndexedPacket) => x.pts! / TICK;
  const p = packets(300).map((x) => ({ ...x, keyframe: (frame(x) % 50 === 0 && frame(x) !== 100) || frame(x) === 103 }));
  const r = checkStitch(index(p), expected());
  assert.is(r.ok, false);
  assert.equal(
    r.problems.map((x) => [x.code, x.frame]),
    [
      ['STITCH_GOP', 100],
      ['STITCH_GOP', 103],
    ],
  );
});

test('a wrong count alone (a chunk planned longer than it is, timestamps whole)', () => {
  const r = checkStitch(index(packets(300)), expected({ frames: 310 }));
  assert.equal(
    r.problems.map((x) => x.code),
    ['STITCH_FRAME_COUNT'],
  );
  assert.is(r.ok, false);
});

test('many problems of one code are listed up to ten, then counted', () => {
  const p = packets(300).map((x) => ({ ...x, pts: x.pts! * 2 })); // every step twice the frame: 299 gaps
  const r = checkStitch(index(p), expected());
  const ts = r.problems.filter((x) => x.code === 'STITCH_TIMESTAMPS');
  assert.is(ts.length, 11);
  assert.is(ts[10]!.message, 'and 289 more STITCH_TIMESTAMPS problems');
});

test('VBV: an oversize frame underflows the buffer; reported with where, never a failure', () => {
  const oversize = (frame: number) => packets(300).map((x) => (x.pts === frame * TICK ? { ...x, size: 300_000 } : x)); // 2.4 Mbit into a 2 Mbit buffer
  const near = checkStitch(index(oversize(120)), expected());
  assert.is(near.ok, true, 'VBV is measured, not checked');
  assert.is(near.vbv.underflows, 1);
  assert.is(near.vbv.minFullness, 0);
  const decodeIndex = packets(300).findIndex((x) => x.pts === 120 * TICK);
  assert.is(near.vbv.worstSeconds, ((decodeIndex - 2) * TICK) / 12800);
  assert.is(near.vbv.worstNearBoundary, true, 'frame 120 is in the GOP after the chunk start at 100');
  const far = checkStitch(index(oversize(25)), expected());
  assert.is(far.vbv.underflows, 1);
  assert.is(far.vbv.worstNearBoundary, false, 'frame 25 is two GOPs from the first join');
  assert.is(checkStitch(index(oversize(25)), expected({ chunkStarts: [0, 50] })).vbv.worstNearBoundary, true, 'the GOP before a join counts too');
});

test.run();

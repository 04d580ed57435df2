import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUX_MANIFEST, muxInitName, muxSegmentName } from '../../src/media/cmaf-layout.js';
import { parseMuxedMpd } from '../../src/media/muxed-mpd.js';
import { cmafMuxArgs, muxedStreams, packageInputs } from '../../src/media/package-args.js';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';
import { mediaTools } from './media-tools.js';
import { testPlan } from './package-fixture.js';

const dir = tempDir('mpegflow-media-package-');
const plan = testPlan();

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isApplianceError(err) ? err.code : String(err);
  }
  return 'no error';
}

const allInputs = () =>
  packageInputs(plan, {
    videos: [2, 0, 1].map((rungIndex) => ({ rungIndex, path: `/i/${plan.rungs[rungIndex]!.name}.mp4` })),
    audio: ['audio-en-51', 'audio-en', 'audio-fr'].map((name) => ({ name, path: `/i/${name}.mp4` })),
  });

test('inputs: rungs and audio in plan order, named; unknown or repeated names refused', () => {
  const inputs = allInputs();
  assert.equal(
    muxedStreams(inputs).map((s) => `${s.index} ${s.kind} ${s.kind === 'video' ? s.rung.name : s.plan.name}`),
    ['0 video 216p', '1 video 360p', '2 video 720p-pq', '3 audio audio-en', '4 audio audio-fr', '5 audio audio-en-51'],
  );
  assert.is(
    code(() => packageInputs(plan, { videos: [{ rungIndex: 7, path: '/i/x.mp4' }], audio: [] })),
    'MEDIA_ARGUMENT_INVALID',
  );
  assert.is(
    code(() => packageInputs(plan, { videos: [{ rungIndex: 0, path: '/i/x.mp4' }], audio: [{ name: 'audio-de', path: '/i/a.mp4' }] })),
    'MEDIA_ARGUMENT_INVALID',
  );
  const unsafe = testPlan();
  unsafe.audio[0]!.name = '../audio';
  assert.is(
    code(() => packageInputs(unsafe, { videos: [{ rungIndex: 0, path: '/i/x.mp4' }], audio: [{ name: '../audio', path: '/i/a.mp4' }] })),
    'MEDIA_ARGUMENT_INVALID',
  );
  const twice = testPlan();
  twice.audio[0]!.name = '216p';
  assert.is(
    code(() => packageInputs(twice, { videos: [{ rungIndex: 0, path: '/i/x.mp4' }], audio: [{ name: '216p', path: '/i/a.mp4' }] })),
    'MEDIA_ARGUMENT_INVALID',
  );
});

test('argv: one dash-muxer run, stream copy, every stream its own adaptation set, GOP-long segments, bitexact', () => {
  const args = cmafMuxArgs(plan, allInputs(), { muxDir: '/o/mux/' });
  assert.equal(
    args.filter((_, i) => args[i - 1] === '-i'),
    ['/i/216p.mp4', '/i/360p.mp4', '/i/720p-pq.mp4', '/i/audio-en.mp4', '/i/audio-fr.mp4', '/i/audio-en-51.mp4'],
  );
  assert.equal(
    args.filter((_, i) => args[i - 1] === '-map'),
    ['0:v:0', '1:v:0', '2:v:0', '3:a:0', '4:a:0', '5:a:0'],
  );
  for (const [k, v] of [
    ['-c', 'copy'],
    ['-f', 'dash'],
    ['-fflags', '+bitexact'],
    ['-seg_duration', '2'],
    ['-use_template', '1'],
    ['-use_timeline', '1'],
    ['-dash_segment_type', 'mp4'],
    ['-hls_playlist', '0'],
    ['-adaptation_sets', 'id=0,streams=0 id=1,streams=1 id=2,streams=2 id=3,streams=3 id=4,streams=4 id=5,streams=5'],
    ['-init_seg_name', 'init-$RepresentationID$.m4s'],
    ['-media_seg_name', 'chunk-$RepresentationID$-$Number%05d$.m4s'],
  ] as const)
    assert.is(args[args.indexOf(k) + 1], v, k);
  assert.is(args.at(-1), '/o/mux/manifest.mpd');
  for (const muxDir of ['/o/50%/mux', 'relative', '/o/$Number$', '/o/a\nb'])
    assert.is(
      code(() => cmafMuxArgs(plan, allInputs(), { muxDir })),
      'MEDIA_ARGUMENT_INVALID',
      muxDir,
    );
  assert.is(
    code(() => cmafMuxArgs(plan, { videos: [], audio: [] }, { muxDir: '/o' })),
    'MEDIA_ARGUMENT_INVALID',
  );
  assert.is(
    code(() => cmafMuxArgs(plan, allInputs(), { muxDir: '/i' })),
    'no error',
  );
  const clash = packageInputs(plan, { videos: [{ rungIndex: 0, path: '/o/manifest.mpd' }], audio: [] });
  assert.is(
    code(() => cmafMuxArgs(plan, clash, { muxDir: '/o' })),
    'MEDIA_ARGUMENT_INVALID',
  );
});

const MPD = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period id="0" start="PT0.0S">${body}</Period></MPD>`;
const REP = (id: number, mime: string, timeline: string, extra = '') =>
  `<AdaptationSet id="${id}"><Representation id="${id}" mimeType="${mime}"><SegmentTemplate timescale="12800" initialization="init-$RepresentationID$.m4s" media="chunk-$RepresentationID$-$Number%05d$.m4s" startNumber="1"${extra}><SegmentTimeline>${timeline}</SegmentTimeline></SegmentTemplate></Representation></AdaptationSet>`;

test('parseMuxedMpd: timelines with repeats expanded, per stream; anything else is PACKAGE_FAILED', () => {
  const doc = MPD(REP(1, 'audio/mp4', '<S t="0" d="100"/><S d="50"/>') + REP(0, 'video/mp4', '<S t="0" d="25600" r="2"/><S d="512"/>'));
  assert.equal(parseMuxedMpd(doc), [
    {
      stream: 0,
      contentType: 'video',
      timescale: 12800,
      startNumber: 1,
      segments: [
        { start: 0, duration: 25600 },
        { start: 25600, duration: 25600 },
        { start: 51200, duration: 25600 },
        { start: 76800, duration: 512 },
      ],
    },
    {
      stream: 1,
      contentType: 'audio',
      timescale: 12800,
      startNumber: 1,
      segments: [
        { start: 0, duration: 100 },
        { start: 100, duration: 50 },
      ],
    },
  ]);
  for (const bad of [
    'not xml <',
    MPD(REP(0, 'video/mp4', '<S t="0" d="100"/><S t="150" d="100"/>')), // a gap
    MPD(REP(0, 'video/mp4', '<S t="0" d="0"/>')),
    MPD(REP(0, 'video/mp4', '<S t="0" d="-5"/>')),
    MPD(REP(0, 'video/mp4', '')),
    MPD(REP(0, 'text/vtt', '<S t="0" d="100"/>')),
    MPD(REP(1, 'video/mp4', '<S t="0" d="100"/>')), // ids not 0..n-1
    MPD(REP(0, 'video/mp4', '<S t="0" d="100" r="99999999"/>')),
    MPD(REP(0, 'video/mp4', '<S t="0" d="100"/>').replace('chunk-$RepresentationID$', '../x')),
    MPD(REP(0, 'video/mp4', '<S t="0" d="100"/>')).replace('type="static"', 'type="dynamic"'),
  ])
    assert.is(
      code(() => parseMuxedMpd(bad)),
      'PACKAGE_FAILED',
      bad,
    );
});

test('e2e: the muxer cuts two renditions into GOP-long segments with exactly the names its MPD lists', async () => {
  const t = await mediaTools();
  const small = testPlan();
  const v = join(dir, 'v.mp4');
  const a = join(dir, 'a.mp4');
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=384x216:rate=25:duration=5',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '50',
    '-keyint_min',
    '50',
    '-sc_threshold',
    '0',
    v,
  ]);
  t.make(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=5', '-c:a', 'aac', '-ac', '2', a]);
  const muxDir = join(dir, 'mux');
  mkdirSync(muxDir);
  const inputs = packageInputs(small, { videos: [{ rungIndex: 0, path: v }], audio: [{ name: 'audio-en', path: a }] });
  const r = t.ffmpeg(cmafMuxArgs(small, inputs, { muxDir }));
  assert.is(r.status, 0, r.stderr);
  const timelines = parseMuxedMpd(readFileSync(join(muxDir, MUX_MANIFEST), 'utf8'));
  assert.equal(
    timelines.map((tl) => tl.contentType),
    ['video', 'audio'],
  );
  assert.equal(
    timelines[0]!.segments.map((s) => s.duration / timelines[0]!.timescale),
    [2, 2, 1],
  );
  const expected = [
    MUX_MANIFEST,
    ...timelines.flatMap((tl) => [muxInitName(tl.stream), ...tl.segments.map((_, i) => muxSegmentName(tl.stream, tl.startNumber + i))]),
  ].sort();
  assert.equal(readdirSync(muxDir).sort(), expected);
  assert.ok(existsSync(join(muxDir, 'chunk-0-00003.m4s')));
});

test.run();

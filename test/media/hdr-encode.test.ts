import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { encodeLadderArgs, encodeRungArgs } from '../../src/media/encode-args.js';
import { ladderFilterGraph } from '../../src/media/filter-graph.js';
import { hdrMetadataFromSideData, mergeHdrMetadata, parseHdrFrameProbe } from '../../src/media/hdr-metadata.js';
import { hevcLevelIdc } from '../../src/media/hevc-levels.js';
import { planLadder, type LadderPlan } from '../../src/media/ladder-plan.js';
import type { HdrMetadata, MediaInfo } from '../../src/media/media-info.js';
import { parseProbe, readProbe } from '../../src/media/parse-probe.js';
import { hdrFrameProbeArgs, probeArgs } from '../../src/media/probe-args.js';
import { x265Params } from '../../src/media/x265-params.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hdrTemplate } from './encode-templates.js';
import { expectArgumentError } from './expect-argument-error.js';
import { keyframeTimes, mediaTools, type MediaTools } from './media-tools.js';
import { fakeProbeDoc } from './probe-doc.js';
import { firstFrameHdr, videoStreamFacts } from './probe-output.js';
import { HDR10_METADATA, MASTER_DISPLAY, X265_HDR10, x265Main10Args } from './test-masters.js';

const valueAfter = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

/** What ffprobe prints for the HDR10 metadata the test masters carry (x265's own test values). */
const MASTERING_SIDE_DATA = {
  side_data_type: 'Mastering display metadata',
  red_x: '34000/50000',
  red_y: '16000/50000',
  green_x: '13250/50000',
  green_y: '34500/50000',
  blue_x: '7500/50000',
  blue_y: '3000/50000',
  white_point_x: '15635/50000',
  white_point_y: '16450/50000',
  min_luminance: '50/10000',
  max_luminance: '10000000/10000',
};
const CLL_SIDE_DATA = { side_data_type: 'Content light level metadata', max_content: 1000, max_average: 400 };

function hdrInfo(transfer: 'smpte2084' | 'arib-std-b67', sideData: unknown[] | null, size = { width: 3840, height: 2160 }): MediaInfo {
  const doc = fakeProbeDoc({ ...size, transfer, pixFmt: 'yuv420p10le', codec: 'hevc' });
  const v = (doc['streams'] as Record<string, unknown>[])[0]!;
  Object.assign(v, { color_primaries: 'bt2020', color_space: 'bt2020nc' }, sideData ? { side_data_list: sideData } : {});
  return parseProbe(doc);
}

// ---- HDR10 metadata from the probe ----

test('probe: mastering display and content light level become integer units (any denominator)', () => {
  assert.equal(hdrMetadataFromSideData([MASTERING_SIDE_DATA, CLL_SIDE_DATA]), HDR10_METADATA);
  // Another writer's denominators: 0.68 = 17/25, 1000 cd/m² = 1000/1, 0.005 = 1/200.
  const other = { ...MASTERING_SIDE_DATA, red_x: '17/25', max_luminance: '1000/1', min_luminance: '1/200' };
  assert.equal(hdrMetadataFromSideData([other])?.masteringDisplay, HDR10_METADATA.masteringDisplay);
  assert.equal(hdrInfo('smpte2084', [MASTERING_SIDE_DATA, CLL_SIDE_DATA]).video!.hdrMetadata, HDR10_METADATA);
});

test('probe: incomplete or impossible blocks are left out, never guessed', () => {
  const { red_x: _drop, ...noRed } = MASTERING_SIDE_DATA;
  assert.is(hdrMetadataFromSideData([noRed]), null);
  assert.is(hdrMetadataFromSideData([{ ...MASTERING_SIDE_DATA, green_y: '60000/50000' }]), null, 'chromaticity above 1');
  assert.is(hdrMetadataFromSideData([{ ...MASTERING_SIDE_DATA, min_luminance: '20000000/10000' }]), null, 'min above max');
  assert.is(hdrMetadataFromSideData([{ ...MASTERING_SIDE_DATA, max_luminance: 'lots' }]), null);
  assert.is(hdrMetadataFromSideData([{ ...CLL_SIDE_DATA, max_content: 0, max_average: 0 }]), null, '0,0 is "unknown"');
  assert.is(hdrMetadataFromSideData([{ ...CLL_SIDE_DATA, max_content: 70000 }]), null);
  assert.equal(hdrMetadataFromSideData([CLL_SIDE_DATA, { side_data_type: 'Display Matrix', rotation: 90 }]), {
    masteringDisplay: null,
    contentLight: HDR10_METADATA.contentLight,
  });
  assert.is(hdrMetadataFromSideData('nope'), null);
  assert.is(hdrInfo('smpte2084', null).video!.hdrMetadata, null);
});

test('probe: the first-frame probe fills what the stream lacks; the stream wins where both have it', () => {
  const frameDoc = JSON.stringify({
    frames: [{ side_data_list: [{ side_data_type: 'H.26[45] User Data Unregistered SEI message' }, MASTERING_SIDE_DATA, CLL_SIDE_DATA] }],
  });
  const frame = parseHdrFrameProbe(frameDoc);
  assert.equal(frame, HDR10_METADATA);
  assert.is(parseHdrFrameProbe('not json'), null);
  assert.is(parseHdrFrameProbe('{"frames":[]}'), null);
  const streamCll = { masteringDisplay: null, contentLight: { maxCll: 500, maxFall: 100 } };
  assert.equal(mergeHdrMetadata(streamCll, frame), { masteringDisplay: HDR10_METADATA.masteringDisplay, contentLight: streamCll.contentLight });
  const doc = fakeProbeDoc({ width: 1920, height: 1080, transfer: 'smpte2084' });
  const outcome = readProbe(doc, { frameHdrMetadata: frame });
  assert.ok(outcome.readable);
  if (outcome.readable) assert.equal(outcome.info.video!.hdrMetadata, HDR10_METADATA);
  assert.equal(hdrFrameProbeArgs('/in/m.hevc', { streamIndex: 0 }), [
    '-hide_banner',
    '-v',
    'error',
    '-select_streams',
    '0',
    '-read_intervals',
    '%+#1',
    '-show_frames',
    '-show_entries',
    'frame=side_data_list',
    '-print_format',
    'json',
    '-i',
    '/in/m.hevc',
  ]);
});

// ---- x265 parameters and the graph ----

test('x265-params: PQ rung carries HDR10 (VUI, SEI on every keyframe, master-display, max-cll) from checked numbers', () => {
  const plan = planLadder(hdrInfo('smpte2084', [MASTERING_SIDE_DATA, CLL_SIDE_DATA]), hdrTemplate());
  const pq = plan.rungs.find((r) => r.name === '2160p-hdr')!;
  assert.is(pq.range, 'pq');
  assert.is(
    x265Params(plan, pq),
    [
      'keyint=50:min-keyint=50:no-scenecut=1:no-open-gop=1:bframes=2',
      `level-idc=${Number(pq.level) * 10}:no-high-tier=1`,
      `vbv-maxrate=${pq.maxrateKbps}:vbv-bufsize=${pq.bufsizeKbps}`,
      'colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:range=limited',
      'hdr10=1:repeat-headers=1',
      `master-display=${MASTER_DISPLAY}`,
      'max-cll=1000,400',
      'log-level=warning',
    ].join(':'),
  );
  // Without metadata in the master: HDR10 signalling, no invented figures.
  const bare = planLadder(hdrInfo('smpte2084', null), hdrTemplate());
  const p = x265Params(
    bare,
    bare.rungs.find((r) => r.range === 'pq')!,
  );
  assert.match(p, /hdr10=1:repeat-headers=1:log-level=warning$/);
  assert.not.match(p, /master-display|max-cll/);
});

test('x265-params: HLG rung is arib-std-b67 without HDR10 metadata; SDR HEVC is BT.709', () => {
  const plan = planLadder(hdrInfo('arib-std-b67', [MASTERING_SIDE_DATA, CLL_SIDE_DATA]), hdrTemplate());
  const hlg = plan.rungs.find((r) => r.name === '2160p-hdr')!;
  assert.is(hlg.range, 'hlg');
  const p = x265Params(plan, hlg);
  assert.match(p, /colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:range=limited:repeat-headers=1:log-level=warning$/);
  assert.not.match(p, /hdr10|master-display|max-cll/);
  const args = encodeRungArgs(plan, plan.rungs.indexOf(hlg), { input: '/in/m.mov', output: '/o/hlg.mp4' });
  assert.equal(valueAfter(args, '-color_trc'), ['arib-std-b67']);
  assert.equal(valueAfter(args, '-color_primaries'), ['bt2020']);
  assert.match(
    valueAfter(args, '-filter_complex')[0]!,
    /^\[0:0\]scale=w=3840:h=2160:flags=lanczos:out_range=tv,format=yuv420p10le,setsar=sar=1\/1:max=100\[v0\]$/,
  );
  // The tone-mapped SDR rung linearises from HLG.
  const sdr = plan.rungs.findIndex((r) => r.tonemap);
  assert.match(ladderFilterGraph(plan, [sdr]), /zscale=tin=arib-std-b67:min=bt2020nc:pin=bt2020:t=linear:npl=100/);

  const sdrMaster = planLadder(
    parseProbe(fakeProbeDoc({ width: 1920, height: 1080 })),
    hdrTemplate({ hdr: { sdrRungFromHdrMaster: 'tonemap', hdrRungOnSdrMaster: 'sdr' } }),
  );
  const hevcSdr = sdrMaster.rungs.find((r) => r.codec === 'hevc')!;
  assert.is(hevcSdr.range, 'sdr');
  assert.match(x265Params(sdrMaster, hevcSdr), /colorprim=bt709:transfer=bt709:colormatrix=bt709:range=limited:log-level=warning$/);
  assert.match(ladderFilterGraph(sdrMaster, [sdrMaster.rungs.indexOf(hevcSdr)]), /out_color_matrix=bt709:out_range=tv,format=yuv420p10le,/);
});

test('argv: one decode feeds HEVC PQ (no matrix change, 10-bit) and tone-mapped H.264 (zscale + hable, HDR side data dropped)', () => {
  const plan = planLadder(hdrInfo('smpte2084', [MASTERING_SIDE_DATA, CLL_SIDE_DATA]), hdrTemplate());
  assert.equal(
    plan.rungs.map((r) => `${r.name} ${r.codec} ${r.range}${r.tonemap ? ' tonemap' : ''}`),
    ['360p-sdr h264 sdr tonemap', '360p-hdr hevc pq', '2160p-hdr hevc pq'],
  );
  const args = encodeLadderArgs(plan, {
    input: '/in/m.mov',
    rungOutputs: plan.rungs.map((r) => `/o/${r.name}.mp4`),
    audioOutputs: plan.audio.map((a) => `/o/${a.name}.mp4`),
    x264Preset: 'ultrafast',
  });
  const graph = valueAfter(args, '-filter_complex')[0]!;
  assert.is(
    graph,
    [
      '[0:0]split=3[s0][s1][s2]',
      '[s0]scale=w=640:h=360:flags=lanczos:out_range=tv,format=yuv420p10le,' +
        'zscale=tin=smpte2084:min=bt2020nc:pin=bt2020:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,' +
        'format=yuv420p,sidedata=mode=delete:type=MASTERING_DISPLAY_METADATA,sidedata=mode=delete:type=CONTENT_LIGHT_LEVEL,setsar=sar=1/1:max=100[v0]',
      '[s1]scale=w=640:h=360:flags=lanczos:out_range=tv,format=yuv420p10le,setsar=sar=1/1:max=100[v1]',
      '[s2]scale=w=3840:h=2160:flags=lanczos:out_range=tv,format=yuv420p10le,setsar=sar=1/1:max=100[v2]',
    ].join(';'),
  );
  assert.equal(valueAfter(args, '-c:v'), ['libx264', 'libx265', 'libx265']);
  assert.equal(valueAfter(args, '-preset'), ['ultrafast', 'ultrafast', 'ultrafast'], 'x265 gets the x264 preset of the same name');
  assert.equal(valueAfter(args, '-profile:v'), ['high', 'main10', 'main10']);
  assert.equal(valueAfter(args, '-tag:v'), ['hvc1', 'hvc1']);
  assert.equal(valueAfter(args, '-forced-idr'), ['1', '1']);
  assert.equal(valueAfter(args, '-colorspace'), ['bt709', 'bt2020nc', 'bt2020nc']);
  assert.equal(valueAfter(args, '-color_trc'), ['bt709', 'smpte2084', 'smpte2084']);
  assert.equal(valueAfter(args, '-force_key_frames'), Array(3).fill('expr:gte(t,n_forced*2)'), 'the same keyframe policy on either codec');
  assert.equal(valueAfter(args, '-g'), ['50', '50', '50']);
  assert.is(valueAfter(args, '-level:v').length, 1, 'H.264 only: x265 takes level-idc');
});

test("argv: the template's encoderPreset is every rung's preset (libx264 and libx265 alike); the caller may override it", () => {
  const plan = planLadder(hdrInfo('smpte2084', null), hdrTemplate({ encoderPreset: 'slow' }));
  const outputs = { rungOutputs: plan.rungs.map((r) => `/o/${r.name}.mp4`), audioOutputs: plan.audio.map((a) => `/o/${a.name}.mp4`) };
  assert.equal(valueAfter(encodeLadderArgs(plan, { input: '/in/m.mov', ...outputs }), '-preset'), ['slow', 'slow', 'slow']);
  assert.equal(valueAfter(encodeRungArgs(plan, 1, { input: '/in/m.mov', output: '/o/x.mp4' }), '-preset'), ['slow']);
  assert.equal(valueAfter(encodeLadderArgs(plan, { input: '/in/m.mov', ...outputs, x264Preset: 'ultrafast' }), '-preset'), [
    'ultrafast',
    'ultrafast',
    'ultrafast',
  ]);
  expectArgumentError(() => encodeRungArgs({ ...plan, encoderPreset: 'fast:-y' as never }, 1, { input: '/in/m.mov', output: '/o/x.mp4' }));
});

test('argv: CRF rungs use -crf with the VBV cap; values are formatted, never passed through', () => {
  const template = hdrTemplate();
  template.rungs = template.rungs.map((r) => ({ ...r, rate: { mode: 'crf', crf: 23.5, maxrateKbps: r.rate.maxrateKbps, bufsizeKbps: r.rate.bufsizeKbps } }));
  const plan = planLadder(hdrInfo('smpte2084', null, { width: 640, height: 360 }), template);
  const args = encodeLadderArgs(plan, {
    input: '/in/m.mov',
    rungOutputs: plan.rungs.map((r) => `/o/${r.name}.mp4`),
    audioOutputs: plan.audio.map((a) => `/o/${a.name}.mp4`),
  });
  assert.equal(valueAfter(args, '-crf'), ['23.5', '23.5']);
  assert.is(valueAfter(args, '-b:v').length, 0);
  assert.equal(
    valueAfter(args, '-maxrate'),
    plan.rungs.map((r) => `${r.maxrateKbps}k`),
  );
});

test('argv: no plan string reaches the command line; tampered numbers are refused', () => {
  const plan = planLadder(hdrInfo('smpte2084', [MASTERING_SIDE_DATA, CLL_SIDE_DATA]), hdrTemplate());
  // Names and labels are the plan's, from the master and the template: they name files and menus, never options.
  const named: LadderPlan = {
    ...plan,
    rungs: plan.rungs.map((r, i) => ({ ...r, name: `-y;rm -rf /${i}`, group: '-f lavfi' })),
    audio: plan.audio.map((a) => ({ ...a, label: '-i /etc/passwd', language: 'x:-y' })),
  };
  const args = encodeLadderArgs(named, {
    input: '/in/m.mov',
    rungOutputs: plan.rungs.map((_, i) => `/o/${i}.mp4`),
    audioOutputs: plan.audio.map((_, i) => `/o/a${i}.mp4`),
  });
  assert.not.ok(
    args.some((a) => a.includes('rm -rf') || a.includes('lavfi') || a.includes('passwd') || a.includes('x:-y')),
    'names, groups, labels',
  );
  const pq = plan.rungs.findIndex((r) => r.name === '2160p-hdr');
  const tamper = (change: (m: HdrMetadata) => unknown): (() => unknown) => {
    const meta = structuredClone(HDR10_METADATA);
    change(meta);
    const p = { ...plan, rungs: plan.rungs.map((r, i) => (i === pq ? { ...r, hdrMetadata: meta } : r)) };
    return () => encodeRungArgs(p, pq, { input: '/in/m.mov', output: '/o/x.mp4' });
  };
  const bad: Array<() => unknown> = [
    tamper((m) => ((m.masteringDisplay!.red as unknown[])[0] = '1):hdr10=0:(1')),
    tamper((m) => (m.masteringDisplay!.maxLuminance = 1.5)),
    tamper((m) => (m.masteringDisplay!.minLuminance = 20_000_000)),
    tamper((m) => (m.contentLight!.maxCll = -1)),
    tamper((m) => ((m.contentLight as { maxFall: unknown }).maxFall = '400:log-level=none')),
    () =>
      encodeRungArgs({ ...plan, rungs: plan.rungs.map((r, i) => (i === pq ? { ...r, level: '5.1:hdr10=0' } : r)) }, pq, {
        input: '/in/m.mov',
        output: '/o/x.mp4',
      }),
    () =>
      encodeRungArgs({ ...plan, rungs: plan.rungs.map((r, i) => (i === pq ? { ...r, crf: Number.NaN } : r)) }, pq, { input: '/in/m.mov', output: '/o/x.mp4' }),
    () =>
      encodeRungArgs({ ...plan, rungs: plan.rungs.map((r, i) => (i === pq ? { ...r, bitDepth: 8 as const } : r)) }, pq, {
        input: '/in/m.mov',
        output: '/o/x.mp4',
      }),
    () =>
      encodeRungArgs({ ...plan, rungs: plan.rungs.map((r, i) => (i === pq ? { ...r, codec: 'h264' as const } : r)) }, pq, {
        input: '/in/m.mov',
        output: '/o/x.mp4',
      }),
    () => encodeRungArgs({ ...plan, sourceRange: 'hlg' }, pq, { input: '/in/m.mov', output: '/o/x.mp4' }),
    () => encodeRungArgs({ ...plan, sourceRange: 'sdr' }, 0, { input: '/in/m.mov', output: '/o/x.mp4' }),
  ];
  for (const fn of bad) expectArgumentError(fn);
});

// ---- end to end with the real ffmpeg ----
let t: MediaTools;
const dir = tempDir('mpegflow-media-hdr-');
const hdr10Master = join(dir, 'hdr10.mp4');

test('e2e: an HDR10 master from libx265 (SEI only): the stream probe has no metadata, the first-frame probe has it all', async () => {
  t = await mediaTools();
  const started = Date.now();
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25:duration=5',
    '-vf',
    'format=yuv420p10le',
    ...x265Main10Args(X265_HDR10, 'smpte2084'),
    '-tag:v',
    'hvc1',
    hdr10Master,
  ]);
  console.log(`    make 640x360 5 s HDR10 master: ${((Date.now() - started) / 1000).toFixed(2)} s`);
  const streamOnly = parseProbe(t.ffprobe(probeArgs(hdr10Master)).stdout);
  assert.is(streamOnly.video!.color.transfer, 'smpte2084');
  assert.is(streamOnly.video!.hdrMetadata, null, 'libx265 writes SEI; the MP4 has no mdcv/clli of its own');
  assert.equal(firstFrameHdr(t, hdr10Master), HDR10_METADATA);
  // An HEVC elementary stream: the same, from its SEI.
  const elementary = join(dir, 'hdr10.hevc');
  t.make(['-i', hdr10Master, '-c', 'copy', '-bsf:v', 'hevc_mp4toannexb', '-f', 'hevc', elementary]);
  const es = parseProbe(t.ffprobe(probeArgs(elementary)).stdout, { frameHdrMetadata: firstFrameHdr(t, elementary) });
  assert.is(es.video!.color.transfer, 'smpte2084');
  assert.equal(es.video!.hdrMetadata, HDR10_METADATA);
});

test('e2e: HEVC PQ rung (Main 10, hvc1, BT.2020 PQ, HDR10 SEI + mdcv/clli, GOP every 2 s) and a tone-mapped H.264 rung (BT.709 8-bit, no HDR metadata)', () => {
  const info = parseProbe(t.ffprobe(probeArgs(hdr10Master)).stdout, { frameHdrMetadata: firstFrameHdr(t, hdr10Master) });
  const plan = planLadder(info, hdrTemplate());
  assert.equal(
    plan.rungs.map((r) => r.name),
    ['360p-sdr', '360p-hdr'],
  );
  const pq = plan.rungs[1]!;
  assert.equal(pq.hdrMetadata, HDR10_METADATA);
  const out = (name: string) => join(dir, `${name}.mp4`);
  const args = encodeLadderArgs(plan, { input: hdr10Master, rungOutputs: plan.rungs.map((r) => out(r.name)), audioOutputs: [], x264Preset: 'ultrafast' });
  const started = Date.now();
  const r = t.ffmpeg(args);
  assert.is(r.status, 0, r.stderr);
  console.log(`    encode 640x360 5 s HDR10 → HEVC PQ + H.264 tone-mapped (ultrafast): ${((Date.now() - started) / 1000).toFixed(2)} s`);

  const hevc = videoStreamFacts(t, out('360p-hdr'));
  assert.is(hevc.codec_name, 'hevc');
  assert.is(hevc.profile, 'Main 10');
  assert.is(hevc.pix_fmt, 'yuv420p10le');
  assert.is(hevc.codec_tag_string, 'hvc1');
  assert.equal([hevc.color_primaries, hevc.color_transfer, hevc.color_space], ['bt2020', 'smpte2084', 'bt2020nc']);
  assert.is(hevc.level, hevcLevelIdc(pq.level), `level ${pq.level}`);
  assert.equal(firstFrameHdr(t, out('360p-hdr')), HDR10_METADATA, 'SEI on the first frame');
  assert.equal(hdrMetadataFromSideData(hevc.side_data_list), HDR10_METADATA, 'mdcv + clli boxes');
  assert.equal(keyframeTimes(t, out('360p-hdr')), [0, 2, 4]);

  const avc = videoStreamFacts(t, out('360p-sdr'));
  assert.is(avc.codec_name, 'h264');
  assert.is(avc.pix_fmt, 'yuv420p');
  assert.equal([avc.color_primaries, avc.color_transfer, avc.color_space], ['bt709', 'bt709', 'bt709']);
  assert.is(hdrMetadataFromSideData(avc.side_data_list), null, 'no mdcv/clli on SDR');
  assert.is(firstFrameHdr(t, out('360p-sdr')), null, 'no mastering display SEI on SDR');
  assert.equal(keyframeTimes(t, out('360p-sdr')), [0, 2, 4]);

  // The tone-mapped picture is a picture: mid-grey on average, not crushed or blown out.
  const stats = t.ffmpeg(['-hide_banner', '-i', out('360p-sdr'), '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-']);
  const yavg = [...stats.stderr.matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
  const mean = yavg.reduce((a, b) => a + b, 0) / yavg.length;
  assert.ok(yavg.length > 100 && mean > 40 && mean < 200, `YAVG ${mean}`);

  // A single-rung retry of the HEVC rung is GOP-aligned with the ladder's.
  const retry = join(dir, 'retry-360p-hdr.mp4');
  const rr = t.ffmpeg(encodeRungArgs(plan, 1, { input: hdr10Master, output: retry, x264Preset: 'ultrafast' }));
  assert.is(rr.status, 0, rr.stderr);
  assert.equal(keyframeTimes(t, retry), keyframeTimes(t, out('360p-hdr')));
});

test('e2e: HLG master → HEVC HLG rung (arib-std-b67, no HDR10 SEI) and a tone-mapped H.264 rung', () => {
  const hlgMaster = join(dir, 'hlg.mp4');
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25:duration=2',
    '-vf',
    'format=yuv420p10le',
    ...x265Main10Args('colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:log-level=error', 'arib-std-b67'),
    hlgMaster,
  ]);
  const plan = planLadder(parseProbe(t.ffprobe(probeArgs(hlgMaster)).stdout), hdrTemplate());
  assert.equal(
    plan.rungs.map((r) => `${r.name} ${r.range}`),
    ['360p-sdr sdr', '360p-hdr hlg'],
  );
  const out = (name: string) => join(dir, `hlg-${name}.mp4`);
  const r = t.ffmpeg(encodeLadderArgs(plan, { input: hlgMaster, rungOutputs: plan.rungs.map((x) => out(x.name)), audioOutputs: [], x264Preset: 'ultrafast' }));
  assert.is(r.status, 0, r.stderr);
  const hevc = videoStreamFacts(t, out('360p-hdr'));
  assert.equal([hevc.profile, hevc.pix_fmt, hevc.color_transfer, hevc.color_primaries], ['Main 10', 'yuv420p10le', 'arib-std-b67', 'bt2020']);
  assert.is(firstFrameHdr(t, out('360p-hdr')), null);
  const avc = videoStreamFacts(t, out('360p-sdr'));
  assert.equal([avc.pix_fmt, avc.color_transfer], ['yuv420p', 'bt709']);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { ladderFilterGraph } from '../../src/media/filter-graph.js';
import { planLadder } from '../../src/media/ladder-plan.js';
import { qualityWindowArgs } from '../../src/media/quality-args.js';
import {
  INFINITE_DB_CEILING,
  parsePsnrStats,
  parseSsimStats,
  parseXpsnrStats,
  qualityFigures,
  xpsnrYuv,
  type QualityWindowSeries,
} from '../../src/media/quality-figures.js';
import { qualityWindows } from '../../src/media/quality-sample.js';
import { expectArgumentError } from './expect-argument-error.js';
import { fakeInfo } from './probe-doc.js';

// Stats lines as the FFmpeg 7.1 image's psnr, ssim and xpsnr filters wrote them (a 640x360
// H.264 rendition against its master through the rung's chain; then a picture against itself).
const PSNR_LINES = [
  'n:1 mse_avg:4.18 mse_y:4.93 mse_u:2.00 mse_v:3.34 psnr_avg:41.92 psnr_y:41.20 psnr_u:45.13 psnr_v:42.89 ',
  'n:2 mse_avg:4.17 mse_y:4.96 mse_u:1.94 mse_v:3.28 psnr_avg:41.93 psnr_y:41.18 psnr_u:45.26 psnr_v:42.97 ',
  'n:3 mse_avg:4.25 mse_y:5.03 mse_u:1.97 mse_v:3.38 psnr_avg:41.85 psnr_y:41.11 psnr_u:45.19 psnr_v:42.84 ',
];
const PSNR_INF = 'n:1 mse_avg:0.00 mse_y:0.00 mse_u:0.00 mse_v:0.00 psnr_avg:inf psnr_y:inf psnr_u:inf psnr_v:inf ';
const SSIM_LINES = [
  'n:1 Y:0.996044 U:0.998407 V:0.997446 All:0.996672 (24.777858)',
  'n:2 Y:0.996044 U:0.998521 V:0.997471 All:0.996695 (24.807748)',
  'n:3 Y:0.996007 U:0.998394 V:0.997433 All:0.996642 (24.739767)',
];
const SSIM_ONE = 'n:1 Y:1.000000 U:1.000000 V:1.000000 All:1.000000 (inf)';
const XPSNR_LINES = [
  'n:    1  XPSNR y: 45.7173  XPSNR u: 49.3878  XPSNR v: 47.3386',
  'n:    2  XPSNR y: 34.7783  XPSNR u: 38.3678  XPSNR v: 34.4462',
  'n:    3  XPSNR y: 34.8174  XPSNR u: 38.3997  XPSNR v: 34.4574',
];
const XPSNR_SUMMARY = 'XPSNR average, 3 frames  y: 38.4377  u: 42.0518  v: 38.7474  (minimum: 38.4377)';
const XPSNR_INF = 'n:    1  XPSNR y: inf  XPSNR u: inf  XPSNR v: inf';

function expectStatsError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
    assert.unreachable(String(fn));
  } catch (err) {
    assert.ok(isApplianceError(err), String(err));
    assert.is(err.code, 'MEDIA_QUALITY_STATS_INVALID');
    assert.match(err.message, pattern);
  }
}

const near = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

test('windows: N evenly spaced whole segments, first and last included; all when N ≥ their number; one window for `all`', () => {
  const w = (d: number, s: number, n: number) => qualityWindows(d, s, { kind: 'segments', count: n }).map((x) => x.startSeconds);
  assert.equal(w(60, 2, 5), [0, 14, 30, 44, 58]);
  assert.equal(w(60, 2, 2), [0, 58]);
  assert.equal(w(60, 2, 1), [28]); // the middle of 30 segments: floor(29 / 2) = 14
  assert.equal(w(6, 2, 3), [0, 2, 4]);
  assert.equal(w(6, 2, 10), [0, 2, 4]);
  assert.equal(qualityWindows(6, 2, { kind: 'segments', count: 2 }), [
    { startSeconds: 0, durationSeconds: 2 },
    { startSeconds: 4, durationSeconds: 2 },
  ]);
  // A last partial segment keeps its real length; float noise makes no extra segment.
  assert.equal(qualityWindows(5.96, 2, { kind: 'segments', count: 2 }), [
    { startSeconds: 0, durationSeconds: 2 },
    { startSeconds: 4, durationSeconds: 1.96 },
  ]);
  assert.equal(w(6.0000001, 2, 9), [0, 2, 4]);
  assert.equal(qualityWindows(5.96, 2, { kind: 'all' }), [{ startSeconds: 0, durationSeconds: 5.96 }]);
  assert.equal(qualityWindows(1, 2, { kind: 'segments', count: 3 }), [{ startSeconds: 0, durationSeconds: 1 }]);
  expectArgumentError(() => qualityWindows(0, 2, { kind: 'all' }));
  expectArgumentError(() => qualityWindows(10, 0, { kind: 'all' }));
  expectArgumentError(() => qualityWindows(10, 2, { kind: 'segments', count: 0 }));
  expectArgumentError(() => qualityWindows(10, 2, { kind: 'segments', count: 1.5 }));
});

test('windows: spacing is round(i × (M − 1) / (N − 1)) over M segments', () => {
  // 30 segments, 5 samples: i × 29 / 4 = 0, 7.25, 14.5, 21.75, 29 → 0, 7, 15, 22, 29 (×2 s)
  assert.equal(
    qualityWindows(60, 2, { kind: 'segments', count: 5 }).map((x) => x.startSeconds),
    [0, 14, 30, 44, 58],
  );
  for (const n of [2, 3, 7, 29]) {
    const starts = qualityWindows(60, 2, { kind: 'segments', count: n }).map((x) => x.startSeconds);
    assert.is(starts.length, n);
    assert.is(starts[0], 0);
    assert.is(starts.at(-1), 58);
    assert.ok(
      starts.every((s, i) => i === 0 || s > (starts[i - 1] as number)),
      String(starts),
    );
  }
});

test('argv: master (input 0) through the rung’s own encode graph, rendition (input 1), psnr → ssim → xpsnr, null output', () => {
  const plan = planLadder(fakeInfo({ width: 1920, height: 1080, fieldOrder: 'tt', duration: 60 }), professionalTemplate);
  const rung = plan.rungs.findIndex((r) => r.name === '720p');
  const args = qualityWindowArgs(plan, rung, {
    rendition: '/work/out/720p.mp4',
    master: '/work/in/master.mov',
    window: { startSeconds: 14, durationSeconds: 2 },
    stats: { psnr: '/work/q/p.log', ssim: '/work/q/s.log', xpsnr: '/work/q/x.log' },
  });
  assert.equal(args.slice(0, 16), [
    ...['-hide_banner', '-loglevel', 'warning', '-nostats'],
    ...['-ss', '14', '-t', '2', '-i', '/work/in/master.mov'],
    ...['-ss', '14', '-t', '2', '-i', '/work/out/720p.mp4'],
  ]);
  assert.equal(args.slice(16, 18)[0], '-filter_complex');
  assert.equal(args.slice(18), ['-map', '[q]', '-f', 'null', '-']);
  const graph = args[17] as string;
  const parts = graph.split(';');
  assert.is(parts[0], ladderFilterGraph(plan, [rung]), 'the encode’s graph, verbatim');
  assert.match(parts[0] as string, /^\[0:0\]bwdif=mode=send_frame:parity=tff:deint=all,scale=w=1280:h=720:/);
  assert.equal(parts.slice(1), [
    '[v0]fps=fps=25/1,settb=expr=AVTB[m0]',
    '[1:v:0]format=yuv420p,fps=fps=25/1,settb=expr=AVTB,split=3[d0][d1][d2]',
    '[m0][d0]psnr=stats_file=/work/q/p.log:shortest=1[m1]',
    '[m1][d1]ssim=stats_file=/work/q/s.log:shortest=1[m2]',
    '[m2][d2]xpsnr=stats_file=/work/q/x.log:shortest=1[q]',
  ]);

  const noX = qualityWindowArgs(plan, rung, {
    rendition: '/work/out/720p.mp4',
    master: 'http://127.0.0.1:4567/0123456789abcdef0123456789abcdef',
    window: { startSeconds: 0, durationSeconds: 1.96 },
    stats: { psnr: '/work/q/p.log', ssim: '/work/q/s.log', xpsnr: null },
  });
  assert.ok(noX.includes('1.96'));
  assert.not.match(noX.join(' '), /xpsnr/);
  assert.match(
    noX.join(' '),
    /split=2\[d0\]\[d1\];\[m0\]\[d0\]psnr=stats_file=\/work\/q\/p.log:shortest=1\[m1\];\[m1\]\[d1\]ssim=stats_file=\/work\/q\/s.log:shortest=1\[q\]/,
  );
});

test('argv: stats paths that the graph parser would read, relative paths, outputs over inputs, bad windows are refused', () => {
  const plan = planLadder(fakeInfo({ width: 1280, height: 720, duration: 10 }), professionalTemplate);
  const ok = {
    rendition: '/o/r.mp4',
    master: '/i/m.mov',
    window: { startSeconds: 0, durationSeconds: 2 },
    stats: { psnr: '/q/p', ssim: '/q/s', xpsnr: '/q/x' },
  };
  qualityWindowArgs(plan, 0, ok);
  for (const bad of ['/q/a:b', '/q/a,b', '/q/a;b', '/q/a[b]', "/q/a'b", '/q/a b', '/q/a=b', '/q/a\\b', 'q/p', '/q/../p', '-y'])
    expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, stats: { ...ok.stats, psnr: bad } }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, stats: { ...ok.stats, ssim: '/o/r.mp4' } }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, stats: { ...ok.stats, xpsnr: '/q/p' } }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, master: '-i' }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, rendition: 'http://10.0.0.1:4567/0123456789abcdef0123456789abcdef' }));
  // An encrypted rendition is read through the loopback range server, as the master is.
  assert.ok(qualityWindowArgs(plan, 0, { ...ok, rendition: 'http://127.0.0.1:4567/0123456789abcdef0123456789abcdef' }).includes('-i'));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, window: { startSeconds: -1, durationSeconds: 2 } }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, window: { startSeconds: 0, durationSeconds: 0 } }));
  expectArgumentError(() => qualityWindowArgs(plan, 0, { ...ok, window: { startSeconds: Number.NaN, durationSeconds: 2 } }));
  expectArgumentError(() => qualityWindowArgs(plan, 99, ok));
});

test('parsers: psnr_avg, SSIM All, XPSNR Y/U/V combined 4:1:1 in the squared-error domain; inf is Infinity', () => {
  assert.equal(parsePsnrStats(PSNR_LINES.join('\n') + '\n'), [41.92, 41.93, 41.85]);
  assert.equal(parsePsnrStats(PSNR_INF), [Infinity]);
  assert.equal(parseSsimStats(SSIM_LINES.join('\n') + '\n'), [0.996672, 0.996695, 0.996642]);
  assert.equal(parseSsimStats(SSIM_ONE), [1]);
  const x = parseXpsnrStats([...XPSNR_LINES, '', XPSNR_SUMMARY, ''].join('\n'));
  assert.is(x.length, 3);
  near(x[0] as number, xpsnrYuv(45.7173, 49.3878, 47.3386));
  assert.equal(parseXpsnrStats(XPSNR_LINES.join('\n')), x, 'the summary line is optional');
  assert.equal(parseXpsnrStats(XPSNR_INF), [Infinity]);
  // The combination is psnr_avg's own: from each PSNR line's Y, U, V it gives its psnr_avg (to the printed 2 decimals).
  for (const line of PSNR_LINES) {
    const [y, u, v, avg] = ['psnr_y', 'psnr_u', 'psnr_v', 'psnr_avg'].map((k) => Number(new RegExp(`${k}:(\\S+)`).exec(line)![1]));
    near(xpsnrYuv(y!, u!, v!), avg!, 0.011);
  }
  near(xpsnrYuv(30, 30, 30), 30);
  near(xpsnrYuv(30, Infinity, Infinity), 30 + 10 * Math.log10(6 / 4));
  assert.is(xpsnrYuv(Infinity, Infinity, Infinity), Infinity);
});

test('parsers: an empty, truncated, misnumbered or foreign stats file is MEDIA_QUALITY_STATS_INVALID', () => {
  expectStatsError(() => parsePsnrStats(''), /no frames/);
  expectStatsError(() => parseSsimStats('\n\n'), /no frames/);
  expectStatsError(() => parseXpsnrStats(''), /no frames/);
  expectStatsError(() => parsePsnrStats(SSIM_LINES.join('\n')), /not a stats line/);
  expectStatsError(() => parseSsimStats(PSNR_LINES.join('\n')), /not a stats line/);
  expectStatsError(() => parsePsnrStats([PSNR_LINES[0], PSNR_LINES[2]].join('\n')), /frame 3 where frame 2/);
  assert.equal(parsePsnrStats('n:1 mse_avg:4.18 mse_y:4.93 mse_u:2.00 mse_v:3.34 psnr_avg:41.9'), [41.9], 'psnr_avg may end the line');
  expectStatsError(() => parsePsnrStats('n:1 mse_avg:4.18 mse_y:4.93 mse_u:2.00 mse_v:3.34 psnr_avg:nan psnr_y:nan'), /nan is not a measurement/);
  expectStatsError(() => parseSsimStats('n:1 Y:0.99 U:0.99 V:0.99 All:0.99'), /not a stats line/);
  expectStatsError(() => parseXpsnrStats([...XPSNR_LINES, '', XPSNR_SUMMARY.replace('3 frames', '4 frames')].join('\n')), /summary counts 4 frames/);
  expectStatsError(() => parseXpsnrStats([...XPSNR_LINES.slice(0, 2), 'n:    3  XPSNR y: 34.8174  XPSNR u: 38.39'].join('\n')), /not a stats line/);
});

test('figures: means and minima over every sampled frame, inf capped at the ceiling, the worst segment by its mean', () => {
  const rate = { frameRate: { num: 2, den: 1 }, gopSeconds: 2 }; // 4 frames a segment
  const series: QualityWindowSeries[] = [
    { window: { startSeconds: 0, durationSeconds: 2 }, psnr: [Infinity, Infinity, 40, 40], ssim: [1, 1, 0.99, 0.99], xpsnr: [50, 50, 50, 50] },
    { window: { startSeconds: 10, durationSeconds: 2 }, psnr: [30, 31, 32, 33], ssim: [0.9, 0.92, 0.94, 0.96], xpsnr: [Infinity, 40, 40, 40] },
    { window: { startSeconds: 18, durationSeconds: 1 }, psnr: [35, 35], ssim: [0.9, 0.9], xpsnr: [30, 30] },
  ];
  const f = qualityFigures(series, rate);
  assert.is(f.frames, 10);
  assert.is(f.sampledSeconds, 5);
  assert.equal(f.windows, [
    { startSeconds: 0, durationSeconds: 2 },
    { startSeconds: 10, durationSeconds: 2 },
    { startSeconds: 18, durationSeconds: 1 },
  ]);
  near(f.psnr.mean, (2 * INFINITE_DB_CEILING + 80 + 126 + 70) / 10);
  assert.is(f.psnr.min, 30);
  assert.is(f.psnr.worstSegmentSeconds, 10); // means 70, 31.5, 35
  near(f.ssim.mean, (3.98 + 3.72 + 1.8) / 10);
  assert.is(f.ssim.min, 0.9);
  assert.is(f.ssim.worstSegmentSeconds, 18); // means 0.995, 0.93, 0.9
  near(f.xpsnr!.mean, (200 + 220 + 60) / 10);
  assert.is(f.xpsnr!.worstSegmentSeconds, 18);
  assert.is(INFINITE_DB_CEILING, 100);

  // One window of the whole programme: frames fall into segments by their time.
  const all = qualityFigures(
    [{ window: { startSeconds: 0, durationSeconds: 5 }, psnr: [40, 40, 40, 40, 20, 20, 20, 20, 30, 30], ssim: Array(10).fill(0.9), xpsnr: null }],
    rate,
  );
  assert.is(all.psnr.worstSegmentSeconds, 2);
  assert.is(all.ssim.worstSegmentSeconds, 0, 'ties: the earliest');
  assert.is(all.xpsnr, null);

  // 30000/1001 with 2 s segments: frame 60 (2.002 s) is the first of segment 1, frame 59 (1.968 s) the last of segment 0.
  const ntsc = { frameRate: { num: 30000, den: 1001 }, gopSeconds: 2 };
  const psnr = Array.from({ length: 62 }, (_, i) => (i === 59 ? 10 : i >= 60 ? 15 : 40));
  assert.is(
    qualityFigures([{ window: { startSeconds: 0, durationSeconds: 2.07 }, psnr, ssim: Array(62).fill(1), xpsnr: null }], ntsc).psnr.worstSegmentSeconds,
    2,
  );
  // A window starting at 2 s begins with frame 60.
  const second = qualityFigures([{ window: { startSeconds: 2, durationSeconds: 2 }, psnr: [1, 2], ssim: [1, 1], xpsnr: null }], ntsc);
  assert.is(second.psnr.worstSegmentSeconds, 2);

  // XPSNR missing from one window: no XPSNR at all.
  assert.is(qualityFigures([series[0]!, { ...series[1]!, xpsnr: null }], rate).xpsnr, null);
});

test('figures: metrics that measured different frames, or nothing, are MEDIA_QUALITY_STATS_INVALID', () => {
  const rate = { frameRate: { num: 25, den: 1 }, gopSeconds: 2 };
  const window = { startSeconds: 0, durationSeconds: 2 };
  expectStatsError(() => qualityFigures([{ window, psnr: [40, 40], ssim: [0.9], xpsnr: null }], rate), /psnr measured 2 frames, ssim 1/);
  expectStatsError(() => qualityFigures([{ window, psnr: [40], ssim: [0.9], xpsnr: [1, 2] }], rate), /xpsnr 2/);
  expectStatsError(() => qualityFigures([{ window, psnr: [], ssim: [], xpsnr: null }], rate), /no frames/);
  expectStatsError(() => qualityFigures([], rate), /no measured window/);
});

test.run();

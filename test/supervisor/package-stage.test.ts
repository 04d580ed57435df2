import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XMLParser } from 'fast-xml-parser';
import type { PoolConfig } from '../../src/config/schema.js';
import type { LadderPlan } from '../../src/media/plan-types.js';
import { StagePool } from '../../src/supervisor/stage-pool.js';
import type { Rendition } from '../../src/supervisor/stages/encode-stage.js';
import { packageStage, type CaptionFiles, type PackageStageResult } from '../../src/supervisor/stages/package-stage.js';
import type { StageContext } from '../../src/supervisor/stages/stage-context.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { mediaTools, type MediaTools } from '../media/media-tools.js';
import { testPlan } from '../media/package-fixture.js';
import { x265Main10Args } from '../media/test-masters.js';

const cfg: PoolConfig = { cores: [0], slots: 1, timeoutSeconds: 120, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 };
const pool = new StagePool('package', cfg);
const work = tempDir('mpegflow-package-stage-');
const SECONDS = 6;
let t: MediaTools;
let ctx: StageContext;

const plan = testPlan(SECONDS);

const renditions: Rendition[] = [];
let webvtt = '';
let ttml = '';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const filesUnder = (root: string, dir = root): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort();
const attr = (line: string, key: string) => new RegExp(`[,:]${key}=("[^"]*"|[^,]*)`).exec(line)?.[1]?.replace(/"/g, '');

test.before(async () => {
  t = await mediaTools();
  const signed = await signedImageCopy();
  ctx = { image: signed.ref, trust: signed.trust };
  const src = (size: string) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${SECONDS}`];
  const gop = ['-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-bf', '2'];
  const make = (name: string, kind: 'video' | 'audio', rungIndex: number | null, args: string[]) => {
    const path = join(work, 'renditions', `${name}.mp4`);
    t.make([...args, '-movflags', '+faststart', path]);
    renditions.push({ name, kind, rungIndex, path, sha256: sha(path), size: statSync(path).size });
  };
  const h264 = (size: string, kbps: string) => [
    ...src(size),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-level:v',
    '3.0',
    ...gop,
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    kbps,
  ];
  mkdirSync(join(work, 'renditions'));
  make('216p', 'video', 0, h264('384x216', '300k'));
  make('360p', 'video', 1, h264('640x360', '600k'));
  make('720p-pq', 'video', 2, [
    ...src('1280x720'),
    '-vf',
    'format=yuv420p10le,setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc',
    ...x265Main10Args('keyint=50:min-keyint=50:scenecut=0:bframes=2:level-idc=3.1:hdr10=1:log-level=error', 'smpte2084'),
    '-tag:v',
    'hvc1',
    '-b:v',
    '1500k',
  ]);
  const tone = (hz: number) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000:duration=${SECONDS}`];
  make('audio-en', 'audio', null, [...tone(440), '-ac', '2', '-c:a', 'aac', '-b:a', '128k']);
  make('audio-fr', 'audio', null, [...tone(660), '-ac', '2', '-c:a', 'aac', '-b:a', '128k']);
  make('audio-en-51', 'audio', null, [...tone(330), '-ac', '6', '-c:a', 'eac3', '-b:a', '384k']);
  webvtt = join(work, 'renditions', 'en.vtt');
  writeFileSync(webvtt, 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello.\n\n00:00:03.000 --> 00:00:05.500\nGoodbye.\n');
  ttml = join(work, 'renditions', 'en.ttml');
  writeFileSync(
    ttml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="en"><body><div>' +
      '<p begin="00:00:00.500" end="00:00:02.000">Hello.</p><p begin="00:00:03.000" end="00:00:05.500">Goodbye.</p></div></body></tt>\n',
  );
});

test.after(async () => {
  await pool.close();
});

async function pack(
  name: string,
  formats: Array<'hls' | 'dash'>,
  p: LadderPlan = plan,
  captions: CaptionFiles[] = [{ plan: plan.captions[0]!, vttPath: webvtt, imscPath: null }],
): Promise<{ out: string; pkg: PackageStageResult }> {
  const out = join(work, name);
  const pkg = await packageStage(pool, ctx, { taskId: `pkg-${name}`, plan: p, renditions, outDir: out, formats, captions });
  assert.ok(
    pkg.runs.every((r) => r.outcome === 'succeeded'),
    pkg.runs.map((r) => r.stderrTail).join('\n'),
  );
  return { out, pkg };
}

/** Every URI of an HLS playlist, resolved to a path relative to the package folder. */
function hlsRefs(out: string, playlist: string): string[] {
  const text = readFileSync(join(out, playlist), 'utf8');
  const uris = [...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1] as string);
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) uris.push(line);
  return uris.map((u) => normalize(join(dirname(playlist), u)));
}

/** Every file an MPD references (SegmentTemplate expanded over its timeline, BaseURLs), relative to the package folder. */
function dashRefs(out: string, mpdPath: string): string[] {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['AdaptationSet', 'Representation', 'S', 'SupplementalProperty'].includes(n),
  }).parse(readFileSync(join(out, mpdPath), 'utf8')) as { MPD: { Period: { AdaptationSet: Array<{ Representation: Array<Record<string, unknown>> }> } } };
  const refs: string[] = [];
  for (const set of doc.MPD.Period.AdaptationSet)
    for (const rep of set.Representation) {
      const tpl = rep.SegmentTemplate as
        { initialization: string; media: string; startNumber: string; SegmentTimeline: { S: Array<{ r?: string }> } } | undefined;
      if (rep.BaseURL) refs.push(String(rep.BaseURL));
      if (!tpl) continue;
      refs.push(tpl.initialization);
      const count = tpl.SegmentTimeline.S.reduce((n, s) => n + 1 + Number(s.r ?? 0), 0);
      for (let i = 0; i < count; i++) refs.push(tpl.media.replace('$Number%05d$', String(Number(tpl.startNumber) + i).padStart(5, '0')));
    }
  return refs.map((u) => normalize(join(dirname(mpdPath), u)));
}

test('HLS + DASH over one set of CMAF segments: layout, master, references, ffprobe reads both', async () => {
  const { out, pkg } = await pack('both', ['hls', 'dash']);
  assert.equal(pkg.manifests, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
  const files = filesUnder(out);
  assert.equal(
    pkg.files.map((f) => f.path),
    files,
  );
  for (const f of pkg.files) {
    assert.is(f.sha256, sha(join(out, f.path)));
    assert.is(f.size, statSync(join(out, f.path)).size);
  }
  // Segments once, under cmaf/<rendition>/; manifests only under hls/ and dash/.
  const names = ['216p', '360p', '720p-pq', 'audio-en', 'audio-fr', 'audio-en-51'];
  assert.equal(
    files.filter((f) => !f.startsWith('cmaf/')),
    ['dash/manifest.mpd', 'hls/master.m3u8', ...[...names, 'text-en'].map((n) => `hls/${n}.m3u8`)].sort(),
  );
  for (const n of names) {
    assert.ok(files.includes(`cmaf/${n}/init.mp4`), n);
    const segs = files.filter((f) => f.startsWith(`cmaf/${n}/seg_`));
    assert.ok(segs.length >= 3 && segs.length <= 4, `${n}: ${segs.join(' ')}`);
    assert.equal(
      segs,
      segs.map((_, i) => `cmaf/${n}/seg_${String(i + 1).padStart(5, '0')}.m4s`),
    );
  }
  assert.ok(files.includes('cmaf/text-en/text-en.vtt'));
  assert.is(
    files.filter((f) => f.endsWith('.m4s') || f.endsWith('.mp4')).length,
    new Set(pkg.files.filter((f) => /\.(m4s|mp4)$/.test(f.path)).map((f) => f.path)).size,
  );

  // HLS master.
  const master = readFileSync(join(out, 'hls/master.m3u8'), 'utf8');
  const lines = master.split('\n');
  assert.equal(lines.slice(0, 3), ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']);
  const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:'));
  assert.equal(media, [
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-en.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="fr",NAME="French",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-fr.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="surround",LANGUAGE="fr",NAME="French",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-fr.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="surround",LANGUAGE="en",NAME="English 5.1",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="6",URI="audio-en-51.m3u8"',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="text-en.m3u8"',
  ]);
  const variants = lines.flatMap((l, i) => (l.startsWith('#EXT-X-STREAM-INF:') ? [{ inf: l, uri: lines[i + 1] as string }] : []));
  assert.equal(
    variants.map((v) => `${v.uri} ${attr(v.inf, 'AUDIO')} ${attr(v.inf, 'VIDEO-RANGE')} ${attr(v.inf, 'CODECS')}`),
    [
      '360p.m3u8 stereo SDR avc1.64001e,mp4a.40.2',
      '216p.m3u8 stereo SDR avc1.64001e,mp4a.40.2',
      '720p-pq.m3u8 stereo PQ hvc1.2.4.L93.90,mp4a.40.2',
      '216p.m3u8 surround SDR avc1.64001e,mp4a.40.2,ec-3',
      '360p.m3u8 surround SDR avc1.64001e,mp4a.40.2,ec-3',
      '720p-pq.m3u8 surround PQ hvc1.2.4.L93.90,mp4a.40.2,ec-3',
    ],
  );
  for (const { inf } of variants) {
    const bw = Number(attr(inf, 'BANDWIDTH'));
    const avg = Number(attr(inf, 'AVERAGE-BANDWIDTH'));
    assert.ok(avg > 100_000 && avg <= bw && bw < 4 * avg, inf);
    assert.match(attr(inf, 'RESOLUTION') ?? '', /^(384x216|640x360|1280x720)$/);
    assert.is(attr(inf, 'FRAME-RATE'), '25.000');
    assert.is(attr(inf, 'SUBTITLES'), 'subs');
  }
  // A 1500k rung with 5.1 needs more than the same rung with stereo; the 5.1 group's peak is E-AC-3's.
  const bw = (uri: string, group: string) => Number(attr(variants.find((v) => v.uri === uri && attr(v.inf, 'AUDIO') === group)!.inf, 'BANDWIDTH'));
  assert.ok(bw('720p-pq.m3u8', 'surround') - bw('720p-pq.m3u8', 'stereo') > 200_000);
  assert.ok(bw('216p.m3u8', 'stereo') < bw('360p.m3u8', 'stereo') && bw('360p.m3u8', 'stereo') < bw('720p-pq.m3u8', 'stereo'));

  // Media playlists: deterministic VOD, durations add up to the programme.
  for (const n of names) {
    const pl = readFileSync(join(out, `hls/${n}.m3u8`), 'utf8');
    assert.not.match(pl, /PROGRAM-DATE-TIME/);
    assert.match(
      pl,
      /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:[23]\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="\.\.\/cmaf\/[^"]+\/init\.mp4"\n/,
    );
    assert.match(pl, /#EXT-X-ENDLIST\n$/);
    const durations = [...pl.matchAll(/#EXTINF:(\d+\.\d{6}),/g)].map((m) => Number(m[1]));
    const total = durations.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - SECONDS) < 0.05, `${n}: ${durations.join(' ')}`);
    if (!n.startsWith('audio'))
      assert.ok(
        durations.slice(0, -1).every((d) => Math.abs(d - 2) < 0.05),
        `${n}: ${durations.join(' ')}`,
      );
  }
  const sub = readFileSync(join(out, 'hls/text-en.m3u8'), 'utf8');
  assert.match(sub, /#EXT-X-TARGETDURATION:[67]\n/);
  assert.match(sub, /#EXTINF:6\.\d{6},\n\.\.\/cmaf\/text-en\/text-en\.vtt\n#EXT-X-ENDLIST/);

  // Both manifests reference only existing files, and every cmaf file is referenced by both.
  const hlsAll = new Set(['hls/master.m3u8', ...hlsRefs(out, 'hls/master.m3u8')].flatMap((p) => (p.endsWith('.m3u8') ? [p, ...hlsRefs(out, p)] : [p])));
  const dashAll = new Set(dashRefs(out, 'dash/manifest.mpd'));
  for (const ref of [...hlsAll, ...dashAll]) assert.ok(files.includes(ref), `${ref} is referenced but missing`);
  for (const f of files.filter((p) => p.startsWith('cmaf/'))) {
    assert.ok(hlsAll.has(f), `${f}: not in HLS`);
    assert.ok(dashAll.has(f), `${f}: not in DASH`);
  }

  // DASH: one set per video group, codecs as planned, HDR signalled, audio and text sets.
  const mpd = readFileSync(join(out, 'dash/manifest.mpd'), 'utf8');
  assert.not.match(mpd, /codecs="hvc1"/);
  assert.match(mpd, /<Representation id="720p-pq" codecs="hvc1\.2\.4\.L93\.90"/);
  assert.is([...mpd.matchAll(/<AdaptationSet [^>]*contentType="video"/g)].length, 2);
  assert.is([...mpd.matchAll(/<AdaptationSet [^>]*contentType="audio"/g)].length, 3);
  assert.match(
    mpd,
    /<AdaptationSet [^>]*contentType="text" mimeType="text\/vtt" lang="en">\s*<Label>English<\/Label>\s*<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"\/>/,
  );
  assert.match(mpd, /<SupplementalProperty schemeIdUri="urn:mpeg:mpegB:cicp:TransferCharacteristics" value="16"\/>/);
  assert.match(mpd, /mediaPresentationDuration="PT6\.0\d\dS"/);

  // The image's ffprobe opens both manifests from disk (absolute paths) and sees every stream
  // (its dash demuxer opens only the file extensions it is told to: the WebVTT sidecar's too).
  for (const manifest of ['hls/master.m3u8', 'dash/manifest.mpd']) {
    const r = t.ffprobe([
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type,codec_name,codec_tag_string,height,channels,color_transfer:format=duration',
      '-of',
      'json',
      ...(manifest.endsWith('.mpd') ? ['-allowed_extensions', 'mp4,m4s,vtt'] : []),
      '-i',
      join(out, manifest),
    ]);
    assert.is(r.status, 0, `${manifest}: ${r.stderr}`);
    const doc = JSON.parse(r.stdout) as {
      streams: Array<{ codec_type: string; codec_name: string; codec_tag_string: string; height?: number; channels?: number; color_transfer?: string }>;
      format: { duration: string };
    };
    const video = doc.streams.filter((s) => s.codec_type === 'video');
    assert.equal(
      [...new Set(video.map((s) => s.height))].sort((a, b) => a! - b!),
      [216, 360, 720],
      manifest,
    );
    const hevc = video.find((s) => s.codec_name === 'hevc');
    assert.is(hevc?.codec_tag_string, 'hvc1', manifest);
    assert.is(hevc?.color_transfer, 'smpte2084', manifest);
    assert.equal(
      [...new Set(doc.streams.filter((s) => s.codec_type === 'audio').map((s) => `${s.codec_name}/${s.channels}`))].sort(),
      ['aac/2', 'eac3/6'],
      manifest,
    );
    assert.ok(Math.abs(Number(doc.format.duration) - SECONDS) < 0.1, `${manifest}: duration ${doc.format.duration}`);
    // ffmpeg's dash demuxer reads the WebVTT sidecar as a subtitle stream; its hls demuxer leaves subtitle renditions out.
    if (manifest.endsWith('.mpd'))
      assert.equal(
        doc.streams.filter((s) => s.codec_type === 'subtitle').map((s) => s.codec_name),
        ['webvtt'],
      );
  }
});

test('the same renditions package to the same bytes (no wall clock anywhere)', async () => {
  const a = await pack('again-1', ['hls', 'dash']);
  const b = await pack('again-2', ['hls', 'dash']);
  assert.equal(
    a.pkg.files.map((f) => `${f.path} ${f.sha256}`),
    b.pkg.files.map((f) => `${f.path} ${f.sha256}`),
  );
});

test('HLS alone: no dash/ folder; DASH alone with IMSC1 captions: no hls/ folder, the .ttml placed, no .vtt', async () => {
  const hls = await pack('hls-only', ['hls']);
  assert.equal(hls.pkg.manifests, { hls: 'hls/master.m3u8' });
  assert.not.ok(existsSync(join(hls.out, 'dash')));
  assert.not.ok(existsSync(join(hls.out, 'mux')));
  assert.ok(hls.pkg.files.every((f) => f.path.startsWith('hls/') || f.path.startsWith('cmaf/')));

  const imsc = { ...plan, dashCaptionFormat: 'imsc1' as const };
  const dash = await pack('dash-only', ['dash'], imsc, [{ plan: imsc.captions[0]!, vttPath: webvtt, imscPath: ttml }]);
  assert.equal(dash.pkg.manifests, { dash: 'dash/manifest.mpd' });
  assert.not.ok(existsSync(join(dash.out, 'hls')));
  const files = dash.pkg.files.map((f) => f.path);
  assert.ok(files.includes('cmaf/text-en/text-en.ttml'));
  assert.not.ok(files.some((f) => f.endsWith('.vtt')));
  const mpd = readFileSync(join(dash.out, 'dash/manifest.mpd'), 'utf8');
  assert.match(mpd, /contentType="text" mimeType="application\/ttml\+xml" lang="en"/);
  assert.match(mpd, /<BaseURL>\.\.\/cmaf\/text-en\/text-en\.ttml<\/BaseURL>/);
  for (const ref of dashRefs(dash.out, 'dash/manifest.mpd')) assert.ok(files.includes(ref), ref);
});

test('a video-only package (no audio renditions, no captions): variants without AUDIO, DASH with video sets only', async () => {
  const videoOnly = { ...plan, audio: [], captions: [] };
  const out = join(work, 'video-only');
  const pkg = await packageStage(pool, ctx, {
    taskId: 'pkg-video-only',
    plan: videoOnly,
    renditions: renditions.filter((r) => r.kind === 'video'),
    outDir: out,
    formats: ['hls', 'dash'],
  });
  assert.is(pkg.runs[0]?.outcome, 'succeeded', pkg.runs[0]?.stderrTail);
  const master = readFileSync(join(out, 'hls/master.m3u8'), 'utf8');
  assert.not.match(master, /EXT-X-MEDIA|AUDIO=|SUBTITLES=/);
  assert.is((master.match(/#EXT-X-STREAM-INF/g) ?? []).length, 3);
  assert.match(master, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n#EXT-X-STREAM-INF:[^\n]*RESOLUTION=640x360[^\n]*CODECS="avc1\.64001e"/);
  const r = t.ffprobe(['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json', '-i', join(out, 'dash/manifest.mpd')]);
  assert.is(r.status, 0, r.stderr);
});

test.run();

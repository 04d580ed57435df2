import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLadderArgs } from '../../src/media/encode-args.js';
import { planLadder, type LadderPlan } from '../../src/media/ladder-plan.js';
import { dashPackageArgs, hlsPackageArgs, packageInputs, type PackageInputs } from '../../src/media/package-args.js';
import { parseProbe } from '../../src/media/parse-probe.js';
import { probeArgs } from '../../src/media/probe-args.js';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';
import { mediaTools, type MediaTools } from './media-tools.js';
import { fakeInfo } from './probe-doc.js';

let t: MediaTools;
const dir = tempDir('mpegflow-media-package-');

/** Makes a master, plans it, encodes every rung (ultrafast) and returns the package inputs. */
function encoded(name: string, lavfi: string, withAudio: boolean, extra: string[] = []): { plan: LadderPlan; inputs: PackageInputs } {
  const src = join(dir, `${name}.mp4`);
  const args = ['-f', 'lavfi', '-i', lavfi];
  if (withAudio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=6', '-c:a', 'aac', '-shortest');
  t.make([...args, ...extra, '-c:v', 'libx264', '-preset', 'ultrafast', src]);
  const plan = planLadder(parseProbe(t.ffprobe(probeArgs(src)).stdout));
  const videos = plan.rungs.map((r, rungIndex) => ({ rungIndex, path: join(dir, `${name}-${r.name}.mp4`) }));
  const audio = plan.audio ? join(dir, `${name}-audio.mp4`) : null;
  const r = t.ffmpeg(encodeLadderArgs(plan, { input: src, rungOutputs: videos.map((v) => v.path), audioOutput: audio, x264Preset: 'ultrafast' }));
  assert.is(r.status, 0, r.stderr);
  return { plan, inputs: packageInputs(plan, { videos, audio }) };
}

const attr = (line: string, key: string) => new RegExp(`[,:]${key}=("[^"]*"|[^,]*)`).exec(line)?.[1]?.replace(/"/g, '');

test('argv shape: inputs as -i pairs, stream copy, HLS fMP4 with an audio group, DASH with two adaptation sets', () => {
  const plan = planLadder(fakeInfo({ width: 1280, height: 720 }));
  const inputs = packageInputs(plan, { videos: plan.rungs.map((r, rungIndex) => ({ rungIndex, path: `/i/${r.name}.mp4` })), audio: '/i/audio.mp4' });
  const hls = hlsPackageArgs(plan, inputs, { outDir: '/o/hls/' });
  assert.equal(
    hls.filter((_, i) => hls[i - 1] === '-i'),
    ['/i/240p.mp4', '/i/480p.mp4', '/i/720p.mp4', '/i/audio.mp4'],
  );
  assert.equal(hls.slice(hls.indexOf('-var_stream_map'), hls.indexOf('-var_stream_map') + 3), [
    '-var_stream_map',
    'v:0,agroup:audio,name:240p v:1,agroup:audio,name:480p v:2,agroup:audio,name:720p a:0,agroup:audio,name:audio,default:yes,language:eng',
    '/o/hls/%v/index.m3u8',
  ]);
  for (const pair of [
    ['-c', 'copy'],
    ['-hls_segment_type', 'fmp4'],
    ['-hls_time', '2'],
    ['-hls_playlist_type', 'vod'],
    ['-bsf:v', 'h264_mp4toannexb'],
  ])
    assert.is(hls[hls.indexOf(pair[0]!) + 1], pair[1]);
  const dash = dashPackageArgs(plan, inputs, { outDir: '/o/dash' });
  assert.is(dash[dash.indexOf('-adaptation_sets') + 1], 'id=0,streams=v id=1,streams=a');
  assert.is(dash[dash.indexOf('-seg_duration') + 1], '2');
  assert.is(dash.at(-1), '/o/dash/manifest.mpd');
  for (const outDir of ['/o/50%/hls', 'relative', '/o/$Number$']) {
    try {
      hlsPackageArgs(plan, inputs, { outDir });
      assert.unreachable(outDir);
    } catch (err) {
      assert.ok(isApplianceError(err));
      assert.is(err.code, 'MEDIA_ARGUMENT_INVALID');
    }
  }
});

test('e2e: 1280x720 + audio → HLS master with BANDWIDTH, RESOLUTION, CODECS per variant; DASH with one video and one audio set', async () => {
  t = await mediaTools();
  const { plan, inputs } = encoded('hd', 'testsrc2=size=1280x720:rate=25:duration=6', true);
  const hlsDir = join(dir, 'out', 'hls');
  const dashDir = join(dir, 'out', 'dash');
  const h = t.ffmpeg(hlsPackageArgs(plan, inputs, { outDir: hlsDir }));
  assert.is(h.status, 0, h.stderr);
  const master = readFileSync(join(hlsDir, 'master.m3u8'), 'utf8');
  const lines = master.split('\n');
  const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  assert.is(variants.length, 3, master);
  plan.rungs.forEach((rung, i) => {
    const v = variants[i]!;
    assert.ok(Number(attr(v, 'BANDWIDTH')) > 0, v);
    assert.is(attr(v, 'RESOLUTION'), `${rung.width}x${rung.height}`);
    assert.match(attr(v, 'CODECS') ?? '', /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    assert.is(attr(v, 'AUDIO'), 'group_audio');
  });
  assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio".*DEFAULT=YES.*URI="audio\/index.m3u8"/);
  for (const name of [...plan.rungs.map((r) => r.name), 'audio']) {
    const playlist = readFileSync(join(hlsDir, name, 'index.m3u8'), 'utf8');
    assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(playlist, /#EXT-X-MAP:URI="init_\d+\.mp4"/);
    assert.match(playlist, /#EXT-X-ENDLIST/);
    const segments = readdirSync(join(hlsDir, name)).filter((f) => f.endsWith('.m4s'));
    assert.ok(segments.length >= 3, `${name}: ${segments.length} segments`);
    if (name !== 'audio')
      assert.equal(
        [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1])),
        [2, 2, 2],
      );
  }

  mkdirSync(dashDir, { recursive: true }); // the packaging stage creates its folders; the dash muxer does not
  const d = t.ffmpeg(dashPackageArgs(plan, inputs, { outDir: dashDir }));
  assert.is(d.status, 0, d.stderr);
  const mpd = readFileSync(join(dashDir, 'manifest.mpd'), 'utf8');
  const sets = [...mpd.matchAll(/<AdaptationSet[^>]*>/g)].map((m) => m[0]);
  assert.is(sets.length, 2, mpd);
  assert.is(sets.filter((s) => /contentType="video"/.test(s)).length, 1);
  assert.is(sets.filter((s) => /contentType="audio"/.test(s)).length, 1);
  assert.is([...mpd.matchAll(/<Representation [^>]*mimeType="video\/mp4"/g)].length, 3);
  assert.ok(readdirSync(dashDir).filter((f) => /^chunk-\d+-\d{5}\.m4s$/.test(f)).length >= 12);
  for (const i of [0, 1, 2, 3]) assert.ok(existsSync(join(dashDir, `init-${i}.m4s`)));
  // The manifest reads back (absolute path: ffprobe doubles the folder of a relative one).
  const back = t.ffprobe(['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', '-i', join(dashDir, 'manifest.mpd')]);
  assert.is(back.status, 0, back.stderr);
  const streams = (JSON.parse(back.stdout) as { streams: Array<{ codec_type: string; height?: number }> }).streams;
  assert.equal(
    streams
      .filter((s) => s.codec_type === 'video')
      .map((s) => s.height)
      .sort((a, b) => a! - b!),
    [240, 480, 720],
  );
  assert.is(streams.filter((s) => s.codec_type === 'audio').length, 1);
});

test('e2e: odd-aspect (958x540), video-only master packages into one DASH video set and a video-only HLS master', () => {
  const { plan, inputs } = encoded('odd', 'testsrc2=size=958x540:rate=25:duration=4', false);
  assert.equal(
    plan.rungs.map((r) => `${r.width}x${r.height}`),
    ['426x240', '852x480'],
  );
  assert.is(inputs.audio, null);
  const dashDir = join(dir, 'odd', 'dash');
  mkdirSync(dashDir, { recursive: true });
  const d = t.ffmpeg(dashPackageArgs(plan, inputs, { outDir: dashDir }));
  assert.is(d.status, 0, d.stderr); // the muxer refuses differing aspect ratios within one set
  const mpd = readFileSync(join(dashDir, 'manifest.mpd'), 'utf8');
  assert.is([...mpd.matchAll(/<AdaptationSet/g)].length, 1);
  const hlsDir = join(dir, 'odd', 'hls');
  const h = t.ffmpeg(hlsPackageArgs(plan, inputs, { outDir: hlsDir }));
  assert.is(h.status, 0, h.stderr);
  const master = readFileSync(join(hlsDir, 'master.m3u8'), 'utf8');
  const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  assert.is(variants.length, 2, master);
  for (const v of variants) {
    assert.match(attr(v, 'CODECS') ?? '', /^avc1\.[0-9a-f]{6}$/);
    assert.ok(attr(v, 'RESOLUTION'));
  }
  assert.not.match(master, /TYPE=AUDIO/);
});

test.run();

// A Tier-1 delivery end to end through the real server: a generated 2160p HDR10 master (10-bit,
// BT.2020 PQ, mastering display + content light level), three audio languages and two caption
// files, through one custom template (HEVC Main10 HDR10 rungs + an H.264 SDR fallback ladder,
// EBU R128 loudness): every HEVC rung carries the HDR metadata (ffprobe), the H.264 rungs are
// tone-mapped BT.709, three AAC renditions, two caption tracks; HLS and DASH share one set of
// segments (each stored once); the job pins the template version, visible in the audit bundle.
// (Playback in hls.js and dash.js with audio switching and captions: test/ui/delivery-player.)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpgVerifyIn, sh, untar } from '../audit/audit-fixture.js';
import { apiClient } from '../helpers/api-client.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { requireGpg } from '../helpers/gpg.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';

test.after(killServers);

const MASTER_DISPLAY = 'G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)';

/** 2 s of 2160p24 HEVC Main10 PQ with HDR10 metadata; eng stereo, fra 5.1, spa stereo. */
function makeMaster(ffmpeg: string[], out: string): void {
  const r = spawnSync(
    ffmpeg[0]!,
    [
      ...ffmpeg.slice(1),
      ...['-nostdin', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=3840x2160:rate=24:duration=2'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2:sample_rate=48000'],
      ...['-f', 'lavfi', '-i', 'anoisesrc=duration=2:sample_rate=48000:amplitude=0.1'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=660:duration=2:sample_rate=48000'],
      ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a'],
      ...['-vf', 'format=yuv420p10le', '-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1'],
      '-x265-params',
      `log-level=error:hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:master-display=${MASTER_DISPLAY}:max-cll=1000,400`,
      ...['-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc'],
      ...['-c:a', 'pcm_s24le', '-ac:a:0', '2', '-ac:a:1', '6', '-ac:a:2', '2'],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:a:2', 'language=spa'],
      out,
    ],
    { env: { LC_ALL: 'C' }, encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
}

const TEMPLATE = {
  name: 'uhd-hdr-delivery',
  description: 'HEVC HDR10 + H.264 SDR fallback, EBU R128',
  encoderPreset: 'ultrafast',
  rungs: [
    {
      name: '1080p-hdr',
      codec: 'hevc',
      width: 1920,
      height: 1080,
      profile: 'main10',
      range: 'hdr',
      rate: { mode: 'vbr', bitrateKbps: 4000, maxrateKbps: 4800, bufsizeKbps: 8000 },
    },
    {
      name: '2160p-hdr',
      codec: 'hevc',
      width: 3840,
      height: 2160,
      profile: 'main10',
      range: 'hdr',
      rate: { mode: 'crf', crf: 24, maxrateKbps: 12000, bufsizeKbps: 18000 },
    },
    { name: '360p', codec: 'h264', width: 640, height: 360, profile: 'main', rate: { mode: 'vbr', bitrateKbps: 800, maxrateKbps: 960, bufsizeKbps: 1600 } },
    { name: '720p', codec: 'h264', width: 1280, height: 720, profile: 'high', rate: { mode: 'vbr', bitrateKbps: 2500, maxrateKbps: 3000, bufsizeKbps: 5000 } },
  ],
  audio: {
    select: { by: 'all' },
    missing: 'refuse',
    stereo: { bitrateKbps: 128 },
    loudness: { standard: 'ebu-r128', integratedLufs: -23, truePeakDbtp: -1, lra: 7 },
  },
};

const VTT = 'WEBVTT\n\n00:00:00.200 --> 00:00:01.000\nHello from the English track\n\n00:00:01.000 --> 00:00:01.900\n<i>Second</i> cue\n';
const SRT = '1\r\n00:00:00,200 --> 00:00:01,000\r\nBonjour de la piste française\r\n\r\n2\r\n00:00:01,000 --> 00:00:01,900\r\nDeuxième\r\n';

test('2160p HDR10 master, three languages, two caption files → HEVC HDR + H.264 SDR ladders, AAC per language, captions, one set of CMAF segments, the template version in the bundle', async () => {
  requireGpg();
  const cwd = tempDir('mpegflow-tier1-');
  const img = await testImage();
  const master = join(cwd, 'feature.mov');
  makeMaster(img.argv('ffmpeg'), master);
  writeFileSync(join(cwd, 'feature.en.vtt'), VTT);
  writeFileSync(join(cwd, 'feature.fr.srt'), SRT);
  await preloadEncoderImage(cwd);
  const s = await startServer({ cwd, timeoutMs: 180_000 });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const api = apiClient(s.url, token);
  const json = { ...api.auth, 'content-type': 'application/json' };

  // The template: version 1, then a change (version 2) the job pins.
  const v1 = await fetch(`${s.url}/api/v1/ladders`, { method: 'POST', headers: json, body: JSON.stringify({ ...TEMPLATE, gopSeconds: 1 }) });
  assert.is(v1.status, 201, await v1.clone().text());
  const v2 = await fetch(`${s.url}/api/v1/ladders/${TEMPLATE.name}`, { method: 'PUT', headers: json, body: JSON.stringify(TEMPLATE) });
  assert.is(v2.status, 200, await v2.clone().text());
  const saved = (await v2.json()) as { version: number; sha256: string };
  assert.is(saved.version, 2);

  for (const f of ['feature.mov', 'feature.en.vtt', 'feature.fr.srt']) assert.is((await api.upload(join(cwd, f))).status, 201, f);
  const submitted = await api.submit({
    input: { key: 'feature.mov' },
    ladder: TEMPLATE.name,
    captions: [{ key: 'feature.en.vtt' }, { key: 'feature.fr.srt', kind: 'captions' }],
  });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const job = (await submitted.json()) as { id: string; ladderVersion: number; packaging: string[] };
  assert.equal([job.ladderVersion, job.packaging], [2, ['hls', 'dash']]);

  let detail: { state: string; outputs: Record<string, string> | null; error: unknown } = { state: 'queued', outputs: null, error: null };
  for (let i = 0; i < 900 && !['completed', 'failed', 'partial', 'cancelled'].includes(detail.state); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    detail = (await (await api.get(`/api/v1/jobs/${job.id}`)).json()) as typeof detail;
  }
  assert.is(detail.state, 'completed', JSON.stringify(detail));
  assert.equal(detail.outputs, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
  const out = async (path: string) => {
    const r = await api.get(`/api/v1/jobs/${job.id}/outputs/${path}`);
    assert.is(r.status, 200, path);
    return Buffer.from(await r.arrayBuffer());
  };

  // HLS: HEVC PQ and H.264 SDR variants, three audio languages, two subtitle tracks.
  const hls = (await out('hls/master.m3u8')).toString('utf8');
  for (const lang of ['en', 'fr', 'es']) assert.match(hls, new RegExp(`TYPE=AUDIO,[^\\n]*LANGUAGE="${lang}"`), `audio ${lang}`);
  assert.is((hls.match(/TYPE=SUBTITLES/g) ?? []).length, 2, hls);
  assert.match(hls, /VIDEO-RANGE=PQ[^\n]*|CODECS="hvc1\.2\.4\.L\d+\.90/);
  assert.match(hls, /CODECS="hvc1\.2\.4\.L\d+\.90,mp4a\.40\.2"[^\n]*VIDEO-RANGE=PQ|VIDEO-RANGE=PQ[^\n]*CODECS="hvc1/);
  assert.match(hls, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"[^\n]*VIDEO-RANGE=SDR|VIDEO-RANGE=SDR[^\n]*CODECS="avc1/);
  const mpd = (await out('dash/manifest.mpd')).toString('utf8');
  assert.match(mpd, /urn:mpeg:mpegB:cicp:TransferCharacteristics" value="16"/);
  assert.is((mpd.match(/contentType="audio"/g) ?? []).length, 3, 'one DASH adaptation set per language');
  assert.is((mpd.match(/contentType="text"/g) ?? []).length, 2);

  // Every HEVC rung: Main 10, BT.2020 PQ, the mastering display and content light level; H.264 rungs BT.709 8-bit.
  const probe = img.argv('ffprobe');
  for (const [rung, codec] of [
    ['1080p-hdr', 'hevc'],
    ['2160p-hdr', 'hevc'],
    ['360p', 'h264'],
    ['720p', 'h264'],
  ] as const) {
    const file = join(cwd, `${rung}.mp4`);
    writeFileSync(file, Buffer.concat([await out(`cmaf/${rung}/init.mp4`), await out(`cmaf/${rung}/seg_00001.m4s`)]));
    const r = spawnSync(
      probe[0]!,
      [...probe.slice(1), '-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_streams', '-show_frames', '-of', 'json', file],
      { encoding: 'utf8', env: { LC_ALL: 'C' } },
    );
    assert.is(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      streams: Array<Record<string, string>>;
      frames: Array<{ side_data_list?: Array<Record<string, unknown>> }>;
    };
    const st = doc.streams[0]!;
    assert.is(st['codec_name'], codec, rung);
    if (codec === 'hevc') {
      assert.equal(
        [st['profile'], st['pix_fmt'], st['color_primaries'], st['color_transfer'], st['color_space'], st['codec_tag_string']],
        ['Main 10', 'yuv420p10le', 'bt2020', 'smpte2084', 'bt2020nc', 'hvc1'],
        rung,
      );
      const side = doc.frames[0]?.side_data_list ?? [];
      const display = side.find((d) => d['side_data_type'] === 'Mastering display metadata');
      const light = side.find((d) => d['side_data_type'] === 'Content light level metadata');
      assert.ok(display && light, `${rung}: ${JSON.stringify(side)}`);
      assert.is(display['max_luminance'], '10000000/10000');
      assert.equal([light['max_content'], light['max_average']], [1000, 400]);
    } else {
      assert.equal([st['pix_fmt'], st['color_primaries'], st['color_transfer'], st['color_space']], ['yuv420p', 'bt709', 'bt709', 'bt709'], rung);
    }
  }

  // One set of segments: HLS and DASH both reference cmaf/, and no segment is stored twice.
  const events = ((await (await api.get(`/api/v1/jobs/${job.id}/audit`)).json()) as { items: Array<{ type: string; payload: Record<string, unknown> }> }).items;
  const completed = events.find((e) => e.type === 'job.completed')!.payload as { outputs: Array<{ key: string; sha256: string; size: number }> };
  const segments = completed.outputs.filter((o) => o.key.endsWith('.m4s') || o.key.endsWith('/init.mp4'));
  assert.ok(
    segments.every((o) => o.key.startsWith(`${job.id}/cmaf/`)),
    'every segment is under cmaf/',
  );
  assert.is(new Set(segments.map((o) => o.sha256)).size, segments.length, 'no segment stored twice');
  assert.not.ok(
    completed.outputs.some((o) => /\/(hls|dash)\/.*\.(m4s|mp4)$/.test(o.key)),
    'no media under hls/ or dash/',
  );
  assert.equal(
    completed.outputs
      .filter((o) => o.key.endsWith('.vtt'))
      .map((o) => o.key.slice(job.id.length + 1))
      .sort(),
    ['cmaf/text-en/text-en.vtt', 'cmaf/text-fr-cc/text-fr-cc.vtt'],
  );

  // The audit: the pinned version and its sha256, the loudness measured per language, the captions read.
  const sub = events.find((e) => e.type === 'job.submitted')!.payload as { ladder: string; ladderVersion: number; ladderSha256: string };
  assert.equal([sub.ladder, sub.ladderVersion, sub.ladderSha256], [TEMPLATE.name, 2, saved.sha256]);
  const encoded = events.filter((e) => e.type === 'task.succeeded' && e.payload['kind'] === 'encode');
  const loudness = encoded.flatMap((e) => Object.keys((e.payload['loudness'] as Record<string, unknown> | undefined) ?? {}));
  assert.equal(loudness.sort(), ['audio-en', 'audio-es', 'audio-fr']);
  const packaged = events.find((e) => e.type === 'task.succeeded' && e.payload['kind'] === 'package')!.payload as {
    captions: Array<{ name: string; state: string; cues: number }>;
  };
  assert.equal(
    packaged.captions.map((c) => [c.name, c.state, c.cues]),
    [
      ['text-en', 'packaged', 2],
      ['text-fr-cc', 'packaged', 2],
    ],
  );

  // The bundle: the template version as saved, its sha256 the job's; signed, and every file's sum holds.
  assert.is(await s.stop(), 0);
  const bundle = join(cwd, 'job.tar');
  const exported = runCli(['audit', 'export', '--out', bundle, '--job', job.id], { cwd });
  assert.is(exported.code, 0, exported.stdout + exported.stderr);
  const x = untar(bundle);
  const pinned = readFileSync(join(x, 'ladders', `${TEMPLATE.name}.v2.json`));
  assert.is(createHash('sha256').update(pinned).digest('hex'), saved.sha256);
  assert.is((JSON.parse(pinned.toString('utf8')) as { rungs: unknown[] }).rungs.length, 4);
  const gpg = gpgVerifyIn(x, join(cwd, 'data', 'trust', 'audit-key.pub.asc'));
  assert.ok(gpg.ok, gpg.out);
  assert.is(sh(['sha256sum', '--strict', '-c', 'SHA256SUMS'], x).status, 0);
});

test.run();

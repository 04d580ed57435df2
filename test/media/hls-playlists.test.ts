import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hlsMasterPlaylist, hlsMediaPlaylist, hlsPlaylists, hlsSubtitlePlaylist, targetDuration } from '../../src/media/hls-playlists.js';
import type { LadderPlan } from '../../src/media/plan-types.js';
import type { CmafTrack, PackagedProgramme } from '../../src/media/packaged-programme.js';
import { averageBitrate, peakSegmentBitrate } from '../../src/media/segment-bitrates.js';
import { testAudio, testCaption, testPlan, testRung, testProgramme, testTrack } from './package-fixture.js';

/** 2 s video segments at 12800/s; sizes so that the rate is `kbps` (1 kbps = 250 bytes per 2 s). */
const video = (kbps: number, count = 3): CmafTrack =>
  testTrack(
    12800,
    Array.from({ length: count }, () => [25600, kbps * 250] as const),
  );
const audioTrack = (kbps: number): CmafTrack =>
  testTrack(48000, [
    [96000, kbps * 250],
    [96000, kbps * 250],
    [96000, kbps * 250],
  ]);

const programme = (plan: LadderPlan, over: Partial<PackagedProgramme> = {}) => testProgramme(plan, { video, audio: audioTrack, webvttSize: 100 }, over);

test('media playlist: VOD, version 7, MAP and URIs into ../cmaf, EXTINF with 6 decimals, TARGETDURATION the ceiling', () => {
  const track = testTrack(48000, [
    [91136, 1000],
    [95232, 1000],
    [96256, 1000],
    [5376, 100],
  ]);
  assert.is(
    hlsMediaPlaylist('audio-en', track),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:3',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="../cmaf/audio-en/init.mp4"',
      '#EXTINF:1.898667,',
      '../cmaf/audio-en/seg_00001.m4s',
      '#EXTINF:1.984000,',
      '../cmaf/audio-en/seg_00002.m4s',
      '#EXTINF:2.005333,',
      '../cmaf/audio-en/seg_00003.m4s',
      '#EXTINF:0.112000,',
      '../cmaf/audio-en/seg_00004.m4s',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n'),
  );
  assert.is(targetDuration(video(100)), 2, 'exactly 2 s stays 2');
  assert.is(targetDuration(testTrack(90000, [[1, 1]])), 1, 'never 0');
  assert.throws(() => hlsMediaPlaylist('../x', track), /not a safe folder name/);
});

test('subtitle playlist: the whole WebVTT file as one segment lasting the programme', () => {
  assert.is(
    hlsSubtitlePlaylist('text-en', 6.010667),
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:7\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:6.010667,\n../cmaf/text-en/text-en.vtt\n#EXT-X-ENDLIST\n',
  );
});

test('master: audio groups, subtitles, one variant per rung per audio group, mid H.264 SDR rung with stereo first', () => {
  const master = hlsMasterPlaylist(programme(testPlan()));
  assert.is(
    master,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-en.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="fr",NAME="French",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-fr.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="surround",LANGUAGE="fr",NAME="French",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-fr.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="surround",LANGUAGE="en",NAME="English 5.1",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="6",URI="audio-en-51.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="text-en.m3u8"',
      '',
      '#EXT-X-STREAM-INF:BANDWIDTH=728000,AVERAGE-BANDWIDTH=728000,RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.64001e,mp4a.40.2",VIDEO-RANGE=SDR,AUDIO="stereo",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '360p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=428000,AVERAGE-BANDWIDTH=428000,RESOLUTION=384x216,FRAME-RATE=25.000,CODECS="avc1.64001e,mp4a.40.2",VIDEO-RANGE=SDR,AUDIO="stereo",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '216p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1628000,AVERAGE-BANDWIDTH=1628000,RESOLUTION=1280x720,FRAME-RATE=25.000,CODECS="hvc1.2.4.L93.90,mp4a.40.2",VIDEO-RANGE=PQ,AUDIO="stereo",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '720p-pq.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=684000,AVERAGE-BANDWIDTH=684000,RESOLUTION=384x216,FRAME-RATE=25.000,CODECS="avc1.64001e,mp4a.40.2,ec-3",VIDEO-RANGE=SDR,AUDIO="surround",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '216p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=984000,AVERAGE-BANDWIDTH=984000,RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.64001e,mp4a.40.2,ec-3",VIDEO-RANGE=SDR,AUDIO="surround",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '360p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1884000,AVERAGE-BANDWIDTH=1884000,RESOLUTION=1280x720,FRAME-RATE=25.000,CODECS="hvc1.2.4.L93.90,mp4a.40.2,ec-3",VIDEO-RANGE=PQ,AUDIO="surround",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
      '720p-pq.m3u8',
      '',
    ].join('\n'),
  );
  assert.is(hlsMasterPlaylist(programme(testPlan())), master, 'same facts, same text');
});

test('master: captions are SDH, forced subtitles FORCED=YES, no LANGUAGE when unknown, repeated names numbered, quotes dropped', () => {
  const plan = testPlan();
  plan.audio = [
    testAudio({ name: 'audio-en', language: 'en', label: 'English', group: 'stereo', trackNumber: 0, isDefault: true }),
    testAudio({ name: 'audio-en-2', language: 'en', label: 'English', group: 'stereo', trackNumber: 1 }),
    testAudio({ name: 'audio-3', language: null, label: 'Track "3"', group: 'stereo', trackNumber: 2 }),
  ];
  plan.captions = [
    testCaption({ name: 'text-en-cc', language: 'en', label: 'English (CC)', kind: 'captions' }),
    testCaption({ name: 'text-fr-forced', language: 'fr', label: 'French (forced)', forced: true }),
    testCaption({ name: 'text-und', language: null, label: 'Unknown language' }),
  ];
  const lines = hlsMasterPlaylist(programme(plan)).split('\n');
  const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:'));
  assert.equal(media, [
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-en.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",LANGUAGE="en",NAME="English (2)",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-en-2.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="stereo",NAME="Track 3",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-3.m3u8"',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English (CC)",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound",URI="text-en-cc.m3u8"',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="fr",NAME="French (forced)",DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,URI="text-fr-forced.m3u8"',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Unknown language",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="text-und.m3u8"',
  ]);
  assert.is(lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).length, 3, 'stereo only: one variant per rung');
});

test('master: no audio, no captions → variants without AUDIO or SUBTITLES; no H.264 SDR → the first group starts', () => {
  const plan = testPlan();
  const bare = programme(plan, { audio: [], captions: [] });
  const master = hlsMasterPlaylist(bare);
  assert.not.match(master, /EXT-X-MEDIA|AUDIO=|SUBTITLES=/);
  assert.match(
    master,
    /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n#EXT-X-STREAM-INF:BANDWIDTH=600000,[^\n]*CODECS="avc1\.64001e",VIDEO-RANGE=SDR,CLOSED-CAPTIONS=NONE\n360p\.m3u8\n/,
  );

  const hevcOnly = testPlan();
  hevcOnly.rungs = [
    testRung({ name: '540p-hlg', codec: 'hevc', width: 960, height: 540, codecs: 'hvc1.2.4.L90.90', group: 'hevc-hlg', range: 'hlg', bitrateKbps: 900 }),
    testRung({ name: '720p-hlg', codec: 'hevc', width: 1280, height: 720, codecs: 'hvc1.2.4.L93.90', group: 'hevc-hlg', range: 'hlg', bitrateKbps: 1500 }),
  ];
  const hlg = hlsMasterPlaylist(programme(hevcOnly, { audio: [], captions: [] })).split('\n');
  assert.equal(
    hlg.filter((l, i) => i > 0 && hlg[i - 1]?.startsWith('#EXT-X-STREAM-INF:')),
    ['720p-hlg.m3u8', '540p-hlg.m3u8'],
  );
  assert.match(hlg.join('\n'), /VIDEO-RANGE=HLG/);
});

test('BANDWIDTH is the peak over 0.5-1.5 target durations: a short heavy last segment is not a peak of its own', () => {
  // Three 2 s segments of 250 kB and a 40 ms last segment of 50 kB (one keyframe).
  const track = testTrack(12800, [
    [25600, 250_000],
    [25600, 250_000],
    [25600, 250_000],
    [512, 50_000],
  ]);
  assert.is(averageBitrate(track), Math.ceil((800_000 * 8) / 6.04));
  assert.is(peakSegmentBitrate(track, 2), Math.ceil((300_000 * 8) / 2.04));
  // A single uneven segment: its own rate.
  assert.is(peakSegmentBitrate(testTrack(1000, [[2000, 1000]]), 2), 4000);
  // Too short for any window (0.3 s against a 2 s target): measured whole.
  assert.is(peakSegmentBitrate(testTrack(1000, [[300, 1000]]), 2), Math.ceil(8000 / 0.3));
});

test('hlsPlaylists: the master, one playlist per rendition and per WebVTT caption, all under hls/', () => {
  const p = programme(testPlan());
  assert.equal(
    hlsPlaylists(p).map((f) => f.path),
    [
      'hls/master.m3u8',
      'hls/216p.m3u8',
      'hls/360p.m3u8',
      'hls/720p-pq.m3u8',
      'hls/audio-en.m3u8',
      'hls/audio-fr.m3u8',
      'hls/audio-en-51.m3u8',
      'hls/text-en.m3u8',
    ],
  );
  const withoutVtt = { ...p, captions: p.captions.map((c) => ({ ...c, webvtt: null, imsc1: { size: 100 } })) };
  assert.not.ok(hlsPlaylists(withoutVtt).some((f) => f.path === 'hls/text-en.m3u8'));
  assert.not.match(hlsMasterPlaylist(withoutVtt), /SUBTITLES/);
});

test.run();

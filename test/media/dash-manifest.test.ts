import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XMLParser } from 'fast-xml-parser';
import { dashManifest } from '../../src/media/dash-manifest.js';
import type { LadderPlan } from '../../src/media/plan-types.js';
import type { CmafTrack, PackagedProgramme } from '../../src/media/packaged-programme.js';
import { averageBitrate, dashBandwidth } from '../../src/media/segment-bitrates.js';
import { testCaption, testPlan, testRung, testProgramme, testTrack } from './package-fixture.js';

const video = (kbps: number): CmafTrack =>
  testTrack(12800, [
    [25600, kbps * 250],
    [25600, kbps * 250],
    [25600, kbps * 250],
  ]);
const audioTrack = (kbps: number): CmafTrack =>
  testTrack(48000, [
    [91136, kbps * 250],
    [95232, kbps * 250],
    [96256, kbps * 250],
    [5376, 100],
  ]);

const programme = (plan: LadderPlan, over: Partial<PackagedProgramme> = {}) => testProgramme(plan, { video, audio: audioTrack, webvttSize: 600 }, over);

type Node = Record<string, unknown> & { AdaptationSet?: Node[]; Representation?: Node[]; SupplementalProperty?: Node[]; S?: Node[] };
const parse = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (n) => ['AdaptationSet', 'Representation', 'S', 'SupplementalProperty'].includes(n),
  }).parse(xml) as {
    MPD: Node & { Period: Node & { AdaptationSet: Node[] } };
  };

test('one video set per group (H.264 SDR first), codecs exactly as planned, HDR by CICP code points, SegmentTemplates into ../cmaf', () => {
  const xml = dashManifest(programme(testPlan()));
  assert.ok(
    xml.startsWith(
      '<?xml version="1.0" encoding="utf-8"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static"',
    ),
  );
  const { MPD } = parse(xml);
  assert.is(MPD.mediaPresentationDuration, 'PT6.000S');
  assert.is(MPD.maxSegmentDuration, 'PT2.005S');
  assert.is(MPD.minBufferTime, 'PT4.000S');
  const sets = MPD.Period.AdaptationSet;
  assert.equal(
    sets.map((s) => `${String(s.id)} ${String(s.contentType)} ${String(s.mimeType)}`),
    ['0 video video/mp4', '1 video video/mp4', '2 audio audio/mp4', '3 audio audio/mp4', '4 audio audio/mp4', '5 text text/vtt'],
  );
  const [sdr, pq] = sets as [Node, Node];
  assert.equal(
    sdr.Representation!.map((r) => `${String(r.id)} ${String(r.codecs)} ${String(r.width)}x${String(r.height)} ${String(r.sar)}`),
    ['216p avc1.64001e 384x216 1:1', '360p avc1.64001e 640x360 1:1'],
  );
  assert.equal([sdr.frameRate, sdr.par, sdr.maxWidth, sdr.maxHeight, sdr.segmentAlignment], ['25', '16:9', '640', '360', 'true']);
  assert.is(sdr.SupplementalProperty, undefined);
  assert.equal(
    pq.Representation!.map((r) => String(r.codecs)),
    ['hvc1.2.4.L93.90'],
  );
  assert.equal(
    pq.SupplementalProperty!.map((p) => `${String(p.schemeIdUri)}=${String(p.value)}`),
    ['urn:mpeg:mpegB:cicp:ColourPrimaries=9', 'urn:mpeg:mpegB:cicp:TransferCharacteristics=16', 'urn:mpeg:mpegB:cicp:MatrixCoefficients=9'],
  );
  const tpl = sdr.Representation![0]!.SegmentTemplate as Node & { SegmentTimeline: Node };
  assert.equal([tpl.timescale, tpl.initialization, tpl.media, tpl.startNumber], ['12800', '../cmaf/216p/init.mp4', '../cmaf/216p/seg_$Number%05d$.m4s', '1']);
  assert.equal(tpl.SegmentTimeline.S, [{ t: '0', d: '25600', r: '2' }]);
  assert.is(dashManifest(programme(testPlan())), xml, 'same facts, same bytes');
});

test('audio: one set per rendition with lang, Label, Role main/alternate, channel configuration (Dolby scheme for E-AC-3 5.1)', () => {
  const sets = parse(dashManifest(programme(testPlan()))).MPD.Period.AdaptationSet.filter((s) => s.contentType === 'audio');
  assert.equal(
    sets.map((s) => {
      const rep = s.Representation![0]!;
      const acc = rep.AudioChannelConfiguration as Node;
      return `${String(s.lang)} ${String(s.Label)} ${String((s.Role as Node).value)} ${String(rep.id)} ${String(rep.codecs)} ${String(rep.audioSamplingRate)} ${String(acc.schemeIdUri)}=${String(acc.value)}`;
    }),
    [
      'en English main audio-en mp4a.40.2 48000 urn:mpeg:dash:23003:3:audio_channel_configuration:2011=2',
      'fr French alternate audio-fr mp4a.40.2 48000 urn:mpeg:dash:23003:3:audio_channel_configuration:2011=2',
      'en English 5.1 main audio-en-51 ec-3 48000 tag:dolby.com,2014:dash:audio_channel_configuration:2011=F801',
    ],
  );
  const tl = (sets[0]!.Representation![0]!.SegmentTemplate as Node & { SegmentTimeline: Node }).SegmentTimeline.S;
  assert.equal(tl, [{ t: '0', d: '91136' }, { d: '95232' }, { d: '96256' }, { d: '5376' }]);
});

test('text: the sidecar file by BaseURL, WebVTT or IMSC1, Role subtitle / caption / forced-subtitle; labels escaped', () => {
  const plan = testPlan();
  plan.captions = [
    testCaption({ name: 'text-en', language: 'en', label: 'English & <more>' }),
    testCaption({ name: 'text-en-cc', language: 'en', label: 'English (CC)', kind: 'captions' }),
    testCaption({ name: 'text-fr-forced', language: 'fr', label: 'French (forced)', forced: true }),
    testCaption({ name: 'text-und', language: null, label: 'Unknown language' }),
  ];
  const vtt = dashManifest(programme(plan));
  assert.match(vtt, /<Label>English &amp; &lt;more&gt;<\/Label>/);
  const text = parse(vtt).MPD.Period.AdaptationSet.filter((s) => s.contentType === 'text');
  assert.equal(
    text.map((s) => `${String(s.mimeType)} ${String(s.lang)} ${String((s.Role as Node).value)} ${String(s.Representation![0]!.BaseURL)}`),
    [
      'text/vtt en subtitle ../cmaf/text-en/text-en.vtt',
      'text/vtt en caption ../cmaf/text-en-cc/text-en-cc.vtt',
      'text/vtt fr forced-subtitle ../cmaf/text-fr-forced/text-fr-forced.vtt',
      'text/vtt undefined subtitle ../cmaf/text-und/text-und.vtt',
    ],
  );
  // 600 bytes over 6 s.
  assert.is(text[0]!.Representation![0]!.bandwidth, '800');
  const ttml = parse(dashManifest(programme(plan, { captions: plan.captions.map((c) => ({ plan: c, webvtt: { size: 600 }, imsc1: { size: 900 } })) })));
  assert.equal(
    ttml.MPD.Period.AdaptationSet.filter((s) => s.contentType === 'text').map((s) => `${String(s.mimeType)} ${String(s.Representation![0]!.BaseURL)}`)[0],
    'application/ttml+xml ../cmaf/text-en/text-en.ttml',
  );
});

test('rungs of one group whose timelines differ are not claimed segment-aligned; a timeline not starting at 0 gets presentationTimeOffset', () => {
  const plan = testPlan();
  plan.rungs = [
    testRung({ name: '216p', width: 384, height: 216, codecs: 'avc1.64001e', group: 'h264-sdr' }),
    testRung({ name: '360p', width: 640, height: 360, codecs: 'avc1.64001e', group: 'h264-sdr' }),
  ];
  const p = programme(plan, {
    videos: [
      { rung: plan.rungs[0]!, track: video(300) },
      {
        rung: plan.rungs[1]!,
        track: testTrack(
          12800,
          [
            [25088, 1000],
            [25600, 1000],
            [26112, 1000],
          ],
          512,
        ),
      },
    ],
    audio: [],
    captions: [],
  });
  const { MPD } = parse(dashManifest(p));
  const set = MPD.Period.AdaptationSet[0]!;
  assert.is(set.segmentAlignment, undefined);
  const tpl = set.Representation![1]!.SegmentTemplate as Node & { SegmentTimeline: Node };
  assert.is(tpl.presentationTimeOffset, '512');
  assert.equal(tpl.SegmentTimeline.S, [{ t: '512', d: '25088' }, { d: '25600' }, { d: '26112' }]);
});

test('HLG sets say transfer 18; @bandwidth follows minBufferTime and is never below the average', () => {
  const plan = testPlan();
  plan.rungs = [testRung({ name: '720p-hlg', codec: 'hevc', width: 1280, height: 720, codecs: 'hvc1.2.4.L93.90', group: 'hevc-hlg', range: 'hlg' })];
  const set = parse(dashManifest(programme(plan, { audio: [], captions: [] }))).MPD.Period.AdaptationSet[0]!;
  assert.equal(
    set.SupplementalProperty!.map((p) => String(p.value)),
    ['9', '18', '9'],
  );
  // 1 s segments at 1000/s: 100 kB, then 400 kB, then 100 kB ×8. With 2 s of buffer the 400 kB
  // segment due at 1 s needs (100+400) kB in 2+1 s; from its own start, 400 kB in 2 s.
  const track = testTrack(1000, [[1000, 100_000], [1000, 400_000], ...Array.from({ length: 8 }, () => [1000, 100_000] as const)]);
  assert.is(dashBandwidth(track, 2), Math.ceil((400_000 * 8) / 2));
  const flat = testTrack(1000, [
    [1000, 1000],
    [1000, 1000],
  ]);
  assert.is(dashBandwidth(flat, 4), averageBitrate(flat), 'a short programme: the average, not bits / buffer');
});

test.run();

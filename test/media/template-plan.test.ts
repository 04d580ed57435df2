import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { hevcLevel, hvc1Codec } from '../../src/media/hevc-levels.js';
import { planLadder } from '../../src/media/ladder-plan.js';
import type { LadderTemplate, TemplateRung } from '../../src/media/ladder-template.js';
import { sameLanguage, toBcp47 } from '../../src/media/languages.js';
import { templateProblems } from '../../src/media/template-check.js';
import { fakeInfo, type FakeSource } from './probe-doc.js';

const hevcHdr = (name: string, width: number, height: number, kbps: number): TemplateRung => ({
  name,
  codec: 'hevc',
  width,
  height,
  rate: { mode: 'vbr', bitrateKbps: kbps, maxrateKbps: Math.round(kbps * 1.2), bufsizeKbps: kbps * 2 },
  profile: 'main10',
  maxLevel: null,
  range: 'hdr',
});

/** The delivery: HEVC Main10 HDR rungs plus an H.264 SDR fallback ladder. */
const uhd: LadderTemplate = {
  ...professionalTemplate,
  name: 'uhd-hdr',
  description: 'HEVC HDR10 + H.264 SDR fallback',
  rungs: [hevcHdr('1080p-hdr', 1920, 1080, 5000), hevcHdr('2160p-hdr', 3840, 2160, 14000), ...professionalTemplate.rungs.slice(0, 3)],
  audio: { select: { by: 'all' }, missing: 'skip', stereo: { bitrateKbps: 128 }, surround: { codec: 'eac3', bitrateKbps: 384 }, loudness: null },
};

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(isApplianceError(err));
    return err.code;
  }
  return 'no error';
};

const hdrMaster: FakeSource = { width: 3840, height: 2160, transfer: 'smpte2084', rate: '24/1' };

test('HDR10 master: HEVC main10 rungs carry PQ through, H.264 rungs are tone-mapped SDR, groups split by codec and range', () => {
  const p = planLadder(fakeInfo(hdrMaster), uhd, { version: 3 });
  assert.equal(p.ladder, { name: 'uhd-hdr', version: 3 });
  assert.is(p.sourceRange, 'pq');
  assert.equal(
    p.rungs.map((r) => [r.name, r.codec, r.range, r.bitDepth, r.tonemap, r.group]),
    [
      ['240p', 'h264', 'sdr', 8, true, 'h264-sdr'],
      ['480p', 'h264', 'sdr', 8, true, 'h264-sdr'],
      ['720p', 'h264', 'sdr', 8, true, 'h264-sdr'],
      ['1080p-hdr', 'hevc', 'pq', 10, false, 'hevc-pq'],
      ['2160p-hdr', 'hevc', 'pq', 10, false, 'hevc-pq'],
    ],
  );
  const top = p.rungs.at(-1)!;
  assert.is(top.profile, 'main10');
  assert.is(top.level, '5.1'); // 2160p24 fits level 5; its 28 000 kbit VBV buffer does not
  assert.is(top.codecs, 'hvc1.2.4.L153.90');
  assert.match(p.notes.join('\n'), /tone-mapped from the PQ master/);
});

test('HLG master: HDR rungs keep HLG', () => {
  const p = planLadder(fakeInfo({ ...hdrMaster, transfer: 'arib-std-b67' }), uhd);
  assert.ok(p.rungs.filter((r) => r.codec === 'hevc').every((r) => r.range === 'hlg' && r.group === 'hevc-hlg'));
});

test('SDR master: HDR rungs skipped, made SDR or refused, per the template', () => {
  const sdr = fakeInfo({ width: 3840, height: 2160 });
  const skipped = planLadder(sdr, uhd);
  assert.ok(skipped.rungs.every((r) => r.codec === 'h264'));
  assert.match(skipped.notes.join('\n'), /2160p-hdr: skipped, HDR rung and the master is SDR/);
  const made = planLadder(sdr, { ...uhd, hdr: { ...uhd.hdr, hdrRungOnSdrMaster: 'sdr' } });
  assert.equal(
    made.rungs.filter((r) => r.codec === 'hevc').map((r) => [r.range, r.bitDepth, r.group]),
    [
      ['sdr', 10, 'hevc-sdr'],
      ['sdr', 10, 'hevc-sdr'],
    ],
  );
  assert.is(
    codeOf(() => planLadder(sdr, { ...uhd, hdr: { ...uhd.hdr, hdrRungOnSdrMaster: 'refuse' } })),
    'LADDER_HDR_ON_SDR',
  );
  assert.is(
    codeOf(() => planLadder(fakeInfo(hdrMaster), { ...uhd, hdr: { ...uhd.hdr, sdrRungFromHdrMaster: 'refuse' } })),
    'LADDER_SDR_FROM_HDR',
  );
  const onlyHdr = { ...uhd, rungs: uhd.rungs.filter((r) => r.range === 'hdr') };
  assert.is(
    codeOf(() => planLadder(sdr, onlyHdr)),
    'LADDER_NO_RUNGS',
  );
});

test('a rung whose level passes the template cap at this master is refused; CRF rungs announce their cap', () => {
  const capped: LadderTemplate = { ...uhd, rungs: [{ ...hevcHdr('2160p-hdr', 3840, 2160, 14000), maxLevel: '4.1' }] };
  assert.is(
    codeOf(() => planLadder(fakeInfo(hdrMaster), capped)),
    'LADDER_LEVEL_EXCEEDED',
  );
  const crf: LadderTemplate = {
    ...professionalTemplate,
    rungs: [{ ...professionalTemplate.rungs[2]!, rate: { mode: 'crf', crf: 21, maxrateKbps: 4000, bufsizeKbps: 8000 } }],
  };
  const r = planLadder(fakeInfo({ width: 1280, height: 720 }), crf).rungs[0]!;
  assert.equal([r.crf, r.bitrateKbps, r.maxrateKbps], [21, 4000, 4000]);
});

test('audio: by language (639-1 and 639-2 match), surround renditions, downmix noted, missing languages refused or skipped', () => {
  const master = fakeInfo({
    width: 1920,
    height: 1080,
    audio: [
      { language: 'eng', channels: 2, isDefault: true },
      { language: 'fra', channels: 6 },
      { language: 'ger', channels: 1 },
    ],
  });
  const all = planLadder(master, uhd);
  assert.equal(
    all.audio.map((a) => [a.name, a.language, a.label, a.channels, a.codec, a.group, a.isDefault, a.downmix, a.codecs]),
    [
      ['audio-en', 'en', 'English', 2, 'aac', 'stereo', true, false, 'mp4a.40.2'],
      ['audio-fr', 'fr', 'French', 2, 'aac', 'stereo', false, true, 'mp4a.40.2'],
      ['audio-de', 'de', 'German', 2, 'aac', 'stereo', false, false, 'mp4a.40.2'],
      ['audio-fr-51', 'fr', 'French 5.1', 6, 'eac3', 'surround', true, false, 'ec-3'],
    ],
  );
  assert.match(all.notes.join('\n'), /stereo downmixed \(ITU-R BS.775/);
  const picked: LadderTemplate = { ...uhd, audio: { ...uhd.audio, select: { by: 'language', languages: ['de', 'en'] }, surround: null } };
  assert.equal(
    planLadder(master, picked).audio.map((a) => a.name),
    ['audio-de', 'audio-en'],
  );
  const lacking: LadderTemplate = { ...picked, audio: { ...picked.audio, select: { by: 'language', languages: ['en', 'ja'] }, missing: 'refuse' } };
  assert.is(
    codeOf(() => planLadder(master, lacking)),
    'LADDER_AUDIO_MISSING',
  );
  const skipping = planLadder(master, { ...lacking, audio: { ...lacking.audio, missing: 'skip' } });
  assert.equal(
    skipping.audio.map((a) => a.name),
    ['audio-en'],
  );
  assert.match(skipping.notes.join('\n'), /audio ja not in the master/);
  const byIndex = planLadder(master, { ...picked, audio: { ...picked.audio, select: { by: 'index', tracks: [2] } } });
  assert.equal(
    byIndex.audio.map((a) => [a.name, a.streamIndex]),
    [['audio-de', 3]],
  );
  const loud = planLadder(master, { ...picked, audio: { ...picked.audio, loudness: { standard: 'ebu-r128', integratedLufs: -23, truePeakDbtp: -1, lra: 7 } } });
  assert.ok(loud.audio.every((a) => a.loudness?.integratedLufs === -23));
});

test('captions: sidecars and text subtitle streams; CEA-608 noted, not extracted; bitmap subtitles noted; template may ignore them', () => {
  const master = fakeInfo({
    width: 1920,
    height: 1080,
    subtitles: [
      { codec: 'mov_text', language: 'spa' },
      { codec: 'hdmv_pgs_subtitle', language: 'eng' },
    ],
    closedCaptions: true,
  });
  const p = planLadder(master, professionalTemplate, {
    captions: [
      { key: 'movie.en.vtt', format: 'webvtt', language: 'en', kind: 'subtitles', forced: false },
      { key: 'movie.en.cc.srt', format: 'srt', language: 'eng', kind: 'captions', forced: false },
    ],
  });
  assert.equal(
    p.captions.map((c) => [c.name, c.language, c.kind, c.label, c.source.kind]),
    [
      ['text-en', 'en', 'subtitles', 'English', 'sidecar'],
      ['text-en-cc', 'en', 'captions', 'English (CC)', 'sidecar'],
      ['text-es', 'es', 'subtitles', 'Spanish', 'stream'],
    ],
  );
  assert.match(p.notes.join('\n'), /CEA-608\/708 captions in the video: not extracted/);
  assert.match(p.notes.join('\n'), /hdmv_pgs_subtitle\) is a bitmap format/);
  const none = planLadder(master, { ...professionalTemplate, captions: { ...professionalTemplate.captions, sidecars: false, embedded: 'ignore' } });
  assert.equal(none.captions, []);
});

test('template check: duplicate names, codec/profile pairs, HDR on HEVC main10 only, levels, languages', () => {
  assert.equal(templateProblems(professionalTemplate), []);
  assert.equal(templateProblems(uhd), []);
  const bad: LadderTemplate = {
    ...uhd,
    rungs: [
      { ...professionalTemplate.rungs[0]!, name: 'x' },
      { ...professionalTemplate.rungs[1]!, name: 'x' },
      { ...professionalTemplate.rungs[2]!, name: 'audio-en' },
      { ...professionalTemplate.rungs[3]!, profile: 'main10' },
      { ...hevcHdr('h', 1920, 1080, 5000), profile: 'main' },
      { ...hevcHdr('big', 8192, 4320, 200000) },
      { ...professionalTemplate.rungs[4]!, name: 'uhd', maxLevel: '4.1' },
      { ...professionalTemplate.rungs[0]!, name: 'lvl', maxLevel: '9.9' },
      { ...professionalTemplate.rungs[0]!, name: 'rate', rate: { mode: 'vbr', bitrateKbps: 500, maxrateKbps: 400, bufsizeKbps: 800 } },
    ],
    audio: { ...uhd.audio, select: { by: 'language', languages: ['en', 'English'] } },
  };
  const paths = templateProblems(bad).map((p) => p.path);
  assert.equal(paths, [
    'rungs.1.name',
    'rungs.2.name',
    'rungs.3.profile',
    'rungs.4.range',
    'rungs.5',
    'rungs.6.maxLevel',
    'rungs.7.maxLevel',
    'rungs.8.rate.maxrateKbps',
    'audio.select.languages.1',
  ]);
});

test('HEVC levels and codec strings; language codes', () => {
  assert.is(hevcLevel({ width: 1920, height: 1080, fps: 30, maxrateKbps: 6000, bufsizeKbps: 10000 }), '4');
  assert.is(hevcLevel({ width: 1920, height: 1080, fps: 60, maxrateKbps: 15000, bufsizeKbps: 20000 }), '4.1');
  assert.is(hevcLevel({ width: 3840, height: 2160, fps: 60, maxrateKbps: 30000, bufsizeKbps: 40000 }), '5.1');
  assert.is(hevcLevel({ width: 8192, height: 4320, fps: 120, maxrateKbps: 300000, bufsizeKbps: 300000 }), null);
  assert.is(hvc1Codec('main', '4.1'), 'hvc1.1.6.L123.90');
  assert.is(hvc1Codec('main10', '5.1'), 'hvc1.2.4.L153.90');
  assert.equal(
    ['eng', 'fre', 'fra', 'ger', 'pt-BR', 'und', 'xyz', 'English', null].map((c) => toBcp47(c)),
    ['en', 'fr', 'fr', 'de', 'pt-BR', null, 'xyz', null, null],
  );
  assert.ok(sameLanguage('en', 'eng') && sameLanguage('pt', 'pt-BR') && !sameLanguage('pt-PT', 'pt-BR') && !sameLanguage(null, 'en'));
});

test.run();

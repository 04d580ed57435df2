import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { channelFilter } from '../../src/media/audio-downmix.js';
import { audioFilterChain, audioOutputArgs } from '../../src/media/audio-encode-args.js';
import { encodeAudioArgs, encodeLadderArgs } from '../../src/media/encode-args.js';
import { planLadder, type AudioPlan, type LadderPlan } from '../../src/media/ladder-plan.js';
import { LOUDNESS_STANDARDS, type LoudnessTarget } from '../../src/media/ladder-template.js';
import { loudnessMeasureArgs, loudnormFilter, measureRunLog, parseLoudnessReports, type LoudnessMeasurement } from '../../src/media/loudness.js';
import { parseProbe } from '../../src/media/parse-probe.js';
import { probeArgs } from '../../src/media/probe-args.js';
import { tempDir } from '../helpers/temp-dir.js';
import { audioTemplate } from './encode-templates.js';
import { expectArgumentError } from './expect-argument-error.js';
import { mediaTools, type MediaTools } from './media-tools.js';
import { testAudio } from './package-fixture.js';
import { fakeProbeDoc } from './probe-doc.js';
import { threeLanguageMasterArgs } from './test-masters.js';

const EBU: LoudnessTarget = { standard: 'ebu-r128', ...LOUDNESS_STANDARDS['ebu-r128'] };
const valueAfter = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

/** The planned English stereo AAC rendition of stream 1, with `over`. */
const audio = (over: Partial<AudioPlan>): AudioPlan =>
  testAudio({ name: 'audio-en', language: 'en', label: 'English', group: 'stereo', trackNumber: 0, isDefault: true, ...over });

// ---- pure ----

test('downmix: ITU-R BS.775 coefficients, LFE dropped, normalised rows; 5.1 passes by position', () => {
  assert.is(channelFilter(audio({ sourceChannels: 2 })), null);
  assert.is(channelFilter(audio({ sourceChannels: 1 })), 'pan=stereo|c0=0.7071*c0|c1=0.7071*c0');
  assert.is(channelFilter(audio({ sourceChannels: 6 })), 'pan=stereo|c0=0.4142*c0+0.2929*c2+0.2929*c4|c1=0.4142*c1+0.2929*c2+0.2929*c5');
  assert.is(channelFilter(audio({ sourceChannels: 8 })), 'pan=stereo|c0=0.3204*c0+0.2265*c2+0.2265*c4+0.2265*c6|c1=0.3204*c1+0.2265*c2+0.2265*c5+0.2265*c7');
  assert.is(channelFilter(audio({ sourceChannels: 4 })), 'aresample=ochl=stereo:clev=0.7071:slev=0.7071:lfe_mix_level=0:rematrix_maxval=1');
  assert.is(channelFilter(audio({ sourceChannels: null })), 'aresample=ochl=stereo:clev=0.7071:slev=0.7071:lfe_mix_level=0:rematrix_maxval=1');
  assert.is(channelFilter(audio({ channels: 6, sourceChannels: 6 })), 'pan=5.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5');
  assert.is(channelFilter(audio({ channels: 6, sourceChannels: 8 })), 'pan=5.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=0.5*c4+0.5*c6|c5=0.5*c5+0.5*c7');
  // Each output row sums to at most 1: no input can clip the mix.
  for (const f of [channelFilter(audio({ sourceChannels: 6 })), channelFilter(audio({ sourceChannels: 8 }))]) {
    for (const row of f!.split('|').slice(1)) {
      const sum = [...row.matchAll(/([\d.]+)\*c/g)].reduce((a, m) => a + Number(m[1]), 0);
      assert.ok(sum <= 1.00001 && sum > 0.9998, `${row}: ${sum}`);
    }
  }
  expectArgumentError(() => channelFilter(audio({ channels: 6, sourceChannels: 2 })));
  expectArgumentError(() => channelFilter(audio({ channels: 4 as never })));
});

test('loudness pass 1: one process measures every rendition through its own matrix, reports named by position', () => {
  const info = parseProbe(fakeProbeDoc({ width: 1280, height: 720, audioTracks: 2 }));
  const plan = planLadder(info, audioTemplate({ select: { by: 'index', tracks: [0, 1] }, loudness: EBU }));
  assert.equal(
    plan.audio.map((a) => a.name),
    ['audio-en', 'audio-1'],
  );
  const withMono: LadderPlan = { ...plan, audio: plan.audio.map((a, i) => (i === 1 ? { ...a, sourceChannels: 1 } : a)) };
  assert.equal(loudnessMeasureArgs(withMono, [0, 1], '/in/m.mov'), [
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'info',
    '-i',
    '/in/m.mov',
    '-filter_complex',
    '[0:1]loudnorm@m0=I=-23:TP=-1:LRA=7:print_format=json[m0];[0:2]pan=stereo|c0=0.7071*c0|c1=0.7071*c0,loudnorm@m1=I=-23:TP=-1:LRA=7:print_format=json[m1]',
    '-map',
    '[m0]',
    '-map',
    '[m1]',
    '-f',
    'null',
    '-',
  ]);
  expectArgumentError(() => loudnessMeasureArgs(withMono, [], '/in/m.mov'));
  expectArgumentError(() => loudnessMeasureArgs(withMono, [2], '/in/m.mov'));
  expectArgumentError(() => loudnessMeasureArgs({ ...withMono, audio: withMono.audio.map((a) => ({ ...a, loudness: null })) }, [0], '/in/m.mov'));
  expectArgumentError(() => loudnessMeasureArgs(withMono, [0], '-f'));
  expectArgumentError(() =>
    loudnessMeasureArgs({ ...withMono, audio: withMono.audio.map((a) => ({ ...a, loudness: { ...EBU, integratedLufs: -4 } })) }, [0], '/in/m.mov'),
  );
});

const report = (k: number, fields: Record<string, string>) =>
  `[loudnorm@m${k} @ 0x7fbe40002280] \n${JSON.stringify({ input_i: '-21.75', input_tp: '-21.07', input_lra: '0.00', input_thresh: '-31.75', output_i: '-22.95', output_tp: '-22.28', output_lra: '0.00', output_thresh: '-32.95', normalization_type: 'dynamic', target_offset: '-0.05', ...fields }, null, '\t')}\n`;

test('loudness reports: parsed as numbers; the last report per instance wins; silence and garbage are told apart', () => {
  const forged = `Input #0, mov, from '/in/m.mov':\n  Metadata:\n    title           : ${report(0, { input_i: '-5.00' }).replace(/\n/g, ' ')}\n`;
  const stderr = `${forged}Stream mapping:\n${report(1, { input_i: '-inf', input_tp: '-inf', input_thresh: '-70.00', target_offset: 'inf' })}${report(0, {})}[out#0/null @ 0x5555] audio:3375KiB\n`;
  const [a, b, c] = parseLoudnessReports(stderr, 3);
  assert.equal(a, { inputI: -21.75, inputTP: -21.07, inputLRA: 0, inputThresh: -31.75, targetOffset: -0.05 });
  assert.equal(b, { inputI: null, inputTP: null, inputLRA: 0, inputThresh: -70, targetOffset: null }, 'silent');
  assert.is(c, null, 'missing');
  assert.equal(parseLoudnessReports(report(0, { input_i: '-21.75:offset=99' }), 1), [null], 'not a number');
  assert.equal(parseLoudnessReports(report(0, { input_tp: 'nan' }), 1), [null]);
  assert.equal(parseLoudnessReports('[loudnorm@m0 @ 0x1] \n{ "input_i" : ', 1), [null]);
  // What the audit keeps of a measure run: from the first report on; without one, no input dump (the master's metadata).
  assert.is(measureRunLog(stderr).startsWith('[loudnorm@m1 @ 0x7fbe40002280]'), true);
  assert.is(
    measureRunLog(`${forged}Stream mapping:\n  Stream #0:1 -> #0:0\n[aac @ 0x1] Input buffer exhausted\nError while decoding\n`),
    '[aac @ 0x1] Input buffer exhausted\nError while decoding\n',
  );
});

test('loudness pass 2: loudnorm with target and measured figures, formatted again, clamped to its ranges; silence is left as it is', () => {
  const m: LoudnessMeasurement = { inputI: -17.434, inputTP: -0.5, inputLRA: 4.2, inputThresh: -27.5, targetOffset: 0.12 };
  assert.is(
    loudnormFilter(EBU, m),
    'loudnorm=I=-23:TP=-1:LRA=7:measured_I=-17.43:measured_TP=-0.5:measured_LRA=4.2:measured_thresh=-27.5:offset=0.12:linear=true:print_format=none',
  );
  assert.match(loudnormFilter(EBU, { ...m, inputI: 1.5, inputTP: 3 })!, /measured_I=0:measured_TP=3:/);
  assert.is(loudnormFilter(EBU, { inputI: null, inputTP: null, inputLRA: 0, inputThresh: -70, targetOffset: null }), null);
  const a = audio({ loudness: EBU, sourceChannels: 6, downmix: true });
  assert.is(audioFilterChain(a, m), `pan=stereo|c0=0.4142*c0+0.2929*c2+0.2929*c4|c1=0.4142*c1+0.2929*c2+0.2929*c5,${loudnormFilter(EBU, m)},aresample=48000`);
  assert.is(audioFilterChain(audio({ loudness: EBU }), { inputI: null, inputTP: null, inputLRA: 0, inputThresh: -70, targetOffset: null }), null);
  expectArgumentError(() => audioFilterChain(a, null));
  expectArgumentError(() => audioFilterChain(audio({}), m));
  expectArgumentError(() => loudnormFilter(EBU, { ...m, inputLRA: '4:af=volume=9' as never }));
  expectArgumentError(() => loudnormFilter(EBU, { ...m, targetOffset: Number.NaN }));
  expectArgumentError(() => loudnormFilter({ ...EBU, truePeakDbtp: 1 }, m));
});

test('audio outputs: AAC-LC stereo, E-AC-3 / AC-3 / AAC 5.1, 48 kHz, one per rendition', () => {
  const stereo = audioOutputArgs(audio({ sourceChannels: 6, downmix: true }), '/o/audio-en.mp4', null);
  assert.equal(valueAfter(stereo, '-c:a'), ['aac']);
  assert.equal(valueAfter(stereo, '-ac'), ['2']);
  assert.equal(valueAfter(stereo, '-ar'), ['48000']);
  assert.match(valueAfter(stereo, '-af')[0]!, /^pan=stereo\|/);
  for (const codec of ['eac3', 'ac3', 'aac'] as const) {
    const surround = audioOutputArgs(
      audio({ name: 'audio-en-51', codec, channels: 6, sourceChannels: 6, bitrateKbps: 384, group: 'surround' }),
      '/o/s.mp4',
      null,
    );
    assert.equal(valueAfter(surround, '-c:a'), [codec]);
    assert.equal(valueAfter(surround, '-ac'), ['6']);
    assert.equal(valueAfter(surround, '-b:a'), ['384k']);
  }
  expectArgumentError(() => audioOutputArgs(audio({ codec: 'opus' as never }), '/o/a.mp4', null));
  expectArgumentError(() => audioOutputArgs(audio({ streamIndex: -1 }), '/o/a.mp4', null));
});

// ---- end to end with the real ffmpeg ----
let t: MediaTools;
const dir = tempDir('mpegflow-media-audio-');
// Matroska: it keeps ISO 639-2/B codes (fre, ger) as masters carry them, and PCM without a channel layout (placed by position).
const master = join(dir, 'three-languages.mkv');

/** Integrated loudness of a rendition (its one stream, 2 or 6 channels), measured again by a loudnorm first pass. */
function integratedLoudness(path: string, channels: 2 | 6): number {
  const plan = { audio: [audio({ streamIndex: 0, channels, sourceChannels: channels, loudness: EBU })] } as LadderPlan;
  const r = t.ffmpeg(loudnessMeasureArgs(plan, [0], path));
  assert.is(r.status, 0, r.stderr);
  const [m] = parseLoudnessReports(r.stderr, 1);
  assert.ok(m && m.inputI !== null, r.stderr.slice(-800));
  return m!.inputI!;
}

test('e2e: the stereo downmix matrix as measured: FL → L at 0.4142, FC → L and R at 0.2929, LFE dropped', async () => {
  t = await mediaTools();
  const plan = audio({ sourceChannels: 6, downmix: true });
  const measure = (source: string): [number, number] => {
    const out = join(dir, `pan-${source.replace(/\W/g, '')}.wav`);
    const r = t.ffmpeg([
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=1000:sample_rate=48000:duration=1',
      '-af',
      `volume=8,pan=5.1|${source},${channelFilter(plan)!}`,
      '-c:a',
      'pcm_f32le',
      out,
    ]);
    assert.is(r.status, 0, r.stderr);
    const s = t.ffmpeg(['-hide_banner', '-i', out, '-af', 'astats=measure_overall=none:measure_perchannel=Peak_level', '-f', 'null', '-']);
    const levels = [...s.stderr.matchAll(/Peak level dB: (-?[\d.]+|-inf)/g)].map((m) => (m[1] === '-inf' ? -Infinity : Number(m[1])));
    assert.is(levels.length, 2, s.stderr);
    return [levels[0]!, levels[1]!];
  };
  const db = (x: number) => 20 * Math.log10(x);
  const close = (actual: number, expected: number, what: string) =>
    assert.ok(Math.abs(actual - expected) < 0.05, `${what}: ${actual} dB, expected ${expected.toFixed(2)} dB`);
  const [flL, flR] = measure('c0=c0');
  close(flL, db(0.4142), 'FL → L');
  assert.is(flR, -Infinity, 'FL → R');
  const [fcL, fcR] = measure('c2=c0');
  close(fcL, db(0.2929), 'FC → L');
  close(fcR, db(0.2929), 'FC → R');
  const [lsL] = measure('c4=c0');
  close(lsL, db(0.2929), 'Ls → L');
  const [lfeL, lfeR] = measure('c3=c0');
  assert.equal([lfeL, lfeR], [-Infinity, -Infinity], 'LFE dropped');
  // Everything at full scale in phase: the mix peaks at full scale, not above.
  const [allL] = measure('c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0');
  assert.ok(allL <= 0.01, `all channels: ${allL} dB`);
});

const MASTER_SECONDS = 10;

test('e2e: three languages (eng stereo, fre 5.1, ger mono) → three AAC stereo + E-AC-3 5.1, each measured (pass 1) and normalised to -23 LUFS ±1 (pass 2)', () => {
  const d = MASTER_SECONDS;
  let started = Date.now();
  t.make([...threeLanguageMasterArgs(d), master]);
  console.log(`    make ${d} s master with three audio tracks: ${((Date.now() - started) / 1000).toFixed(2)} s`);
  const info = parseProbe(t.ffprobe(probeArgs(master)).stdout);
  assert.equal(
    info.audio.map((a) => `${a.language} ${a.channels}`),
    ['eng 2', 'fre 6', 'ger 1'],
  );
  const plan = planLadder(info, audioTemplate({ select: { by: 'all' }, surround: { codec: 'eac3', bitrateKbps: 384 }, loudness: EBU }));
  assert.equal(
    plan.audio.map((a) => `${a.name} ${a.codec} ${a.channels}${a.downmix ? ' downmix' : ''}`),
    ['audio-en aac 2', 'audio-fr aac 2 downmix', 'audio-de aac 2', 'audio-fr-51 eac3 6'],
  );

  // Pass 1: one process, four reports.
  started = Date.now();
  const measure = t.ffmpeg(loudnessMeasureArgs(plan, [0, 1, 2, 3], master));
  assert.is(measure.status, 0, measure.stderr);
  console.log(`    loudness pass 1 (4 renditions, ${d} s): ${((Date.now() - started) / 1000).toFixed(2)} s`);
  const reports = parseLoudnessReports(measure.stderr.slice(-8 * 1024), 4);
  assert.ok(
    reports.every((r) => r !== null && r.inputI !== null),
    'every report inside the 8 KB stderr tail the pool keeps',
  );
  const loudness = Object.fromEntries(plan.audio.map((a, i) => [a.name, reports[i]!]));
  assert.ok(loudness['audio-de']!.inputI! < -30, `ger is quiet: ${loudness['audio-de']!.inputI}`);

  // Pass 2: the ladder with every audio rendition.
  const out = (name: string) => join(dir, `${name}.mp4`);
  started = Date.now();
  const args = encodeLadderArgs(plan, {
    input: master,
    rungOutputs: plan.rungs.map((r) => out(r.name)),
    audioOutputs: plan.audio.map((a) => out(a.name)),
    loudness,
    x264Preset: 'ultrafast',
  });
  const r = t.ffmpeg(args);
  assert.is(r.status, 0, r.stderr);
  console.log(`    encode 240p + 4 audio renditions with loudnorm (${d} s): ${((Date.now() - started) / 1000).toFixed(2)} s`);

  const achieved: string[] = [];
  for (const a of plan.audio) {
    const probe = parseProbe(t.ffprobe(probeArgs(out(a.name))).stdout);
    assert.is(probe.video, null);
    assert.is(probe.audio.length, 1);
    assert.is(probe.audio[0]!.codec, a.codec, a.name);
    assert.is(probe.audio[0]!.channels, a.channels, a.name);
    assert.is(probe.audio[0]!.sampleRate, 48000, a.name);
    if (a.codec === 'aac') assert.is(probe.audio[0]!.profile, 'LC');
    const lufs = integratedLoudness(out(a.name), a.channels);
    assert.ok(Math.abs(lufs - EBU.integratedLufs) <= 1, `${a.name}: ${lufs} LUFS (measured ${loudness[a.name]!.inputI})`);
    achieved.push(`${a.name} ${loudness[a.name]!.inputI} → ${lufs}`);
  }
  console.log(`    LUFS in → out: ${achieved.join(', ')}`);
  // The retry of one audio rendition alone makes the same loudness.
  const retry = join(dir, 'retry-audio-de.mp4');
  const rr = t.ffmpeg(encodeAudioArgs(plan, 'audio-de', { input: master, output: retry, loudness }));
  assert.is(rr.status, 0, rr.stderr);
  assert.ok(Math.abs(integratedLoudness(retry, 2) - EBU.integratedLufs) <= 1);
});

test('e2e: a silent track measures as silent and is encoded as it is (no loudnorm)', () => {
  const silent = join(dir, 'silent.mov');
  t.make([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25:duration=2',
    '-f',
    'lavfi',
    '-i',
    'anullsrc=sample_rate=48000:channel_layout=stereo',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'pcm_s16le',
    silent,
  ]);
  const plan = planLadder(parseProbe(t.ffprobe(probeArgs(silent)).stdout), audioTemplate({ loudness: EBU }));
  const m = t.ffmpeg(loudnessMeasureArgs(plan, [0], silent));
  assert.is(m.status, 0, m.stderr);
  const [report0] = parseLoudnessReports(m.stderr, 1);
  assert.equal(report0, { inputI: null, inputTP: null, inputLRA: 0, inputThresh: -70, targetOffset: null });
  const args = encodeAudioArgs(plan, plan.audio[0]!.name, {
    input: silent,
    output: join(dir, 'silent-audio.mp4'),
    loudness: { [plan.audio[0]!.name]: report0! },
  });
  assert.not.ok(args.some((a) => a.includes('loudnorm')));
  const r = t.ffmpeg(args);
  assert.is(r.status, 0, r.stderr);
});

test.run();

import type { AudioPlan, CaptionPlan, LadderPlan, VideoRungPlan } from '../../src/media/plan-types.js';
import type { CmafTrack, PackagedProgramme } from '../../src/media/packaged-programme.js';
import { rational } from '../../src/media/rational.js';

/** Plan parts for the packaging tests, written out (not planned): what the packager is given. */

export function testRung(r: Partial<VideoRungPlan> & Pick<VideoRungPlan, 'name' | 'width' | 'height' | 'codecs' | 'group'>): VideoRungPlan {
  return {
    codec: 'h264',
    sar: rational(1, 1),
    bitrateKbps: 500,
    maxrateKbps: 600,
    bufsizeKbps: 1000,
    crf: null,
    profile: 'high',
    level: '3.0',
    range: 'sdr',
    bitDepth: 8,
    tonemap: false,
    hdrMetadata: null,
    ...r,
  };
}

export function testAudio(a: Partial<AudioPlan> & Pick<AudioPlan, 'name' | 'language' | 'label' | 'group' | 'trackNumber'>): AudioPlan {
  return {
    streamIndex: a.trackNumber + 1,
    codec: 'aac',
    bitrateKbps: 128,
    channels: 2,
    sampleRate: 48000,
    sourceChannels: 2,
    downmix: false,
    isDefault: false,
    loudness: null,
    codecs: 'mp4a.40.2',
    ...a,
  };
}

export function testCaption(c: Partial<CaptionPlan> & Pick<CaptionPlan, 'name' | 'language' | 'label'>): CaptionPlan {
  return { kind: 'subtitles', forced: false, isDefault: false, source: { kind: 'sidecar', key: `in/${c.name}.vtt`, format: 'webvtt' }, ...c };
}

/** Two H.264 SDR rungs, one HEVC Main 10 PQ rung, English + French stereo, English 5.1 (E-AC-3), one English subtitle track. */
export function testPlan(seconds = 6): LadderPlan {
  return {
    ladder: { name: 'test', version: 1 },
    videoStreamIndex: 0,
    durationSeconds: seconds,
    sourceWidth: 1280,
    sourceHeight: 720,
    sourceRange: 'pq',
    displayAspect: rational(16, 9),
    frameRate: rational(25, 1),
    gopSeconds: 2,
    gopFrames: 50,
    bFrames: 2,
    encoderPreset: 'ultrafast',
    deinterlace: false,
    parity: 'auto',
    fromVariableFrameRate: false,
    rungs: [
      testRung({ name: '216p', width: 384, height: 216, codecs: 'avc1.64001e', group: 'h264-sdr', bitrateKbps: 300 }),
      testRung({ name: '360p', width: 640, height: 360, codecs: 'avc1.64001e', group: 'h264-sdr', bitrateKbps: 600 }),
      testRung({
        name: '720p-pq',
        codec: 'hevc',
        width: 1280,
        height: 720,
        codecs: 'hvc1.2.4.L93.90',
        group: 'hevc-pq',
        range: 'pq',
        profile: 'main10',
        level: '3.1',
        bitDepth: 10,
        bitrateKbps: 1500,
      }),
    ],
    audio: [
      testAudio({ name: 'audio-en', language: 'en', label: 'English', group: 'stereo', trackNumber: 0, isDefault: true }),
      testAudio({ name: 'audio-fr', language: 'fr', label: 'French', group: 'stereo', trackNumber: 1 }),
      testAudio({
        name: 'audio-en-51',
        language: 'en',
        label: 'English 5.1',
        group: 'surround',
        trackNumber: 0,
        isDefault: true,
        channels: 6,
        codec: 'eac3',
        codecs: 'ec-3',
        bitrateKbps: 384,
        sourceChannels: 6,
      }),
    ],
    captions: [testCaption({ name: 'text-en', language: 'en', label: 'English' })],
    dashCaptionFormat: 'webvtt',
    invalidCaptions: 'skip',
    notes: [],
  };
}

/** A track of segments `[duration, size]` (duration in timescale units, size in bytes), back to back from `start`. */
export function testTrack(timescale: number, segments: ReadonlyArray<readonly [number, number]>, start = 0): CmafTrack {
  let t = start;
  return {
    timescale,
    segments: segments.map(([duration, size]) => {
      const s = { start: t, duration, size };
      t += duration;
      return s;
    }),
  };
}

/** How `testProgramme` makes the tracks: a video or audio track from the rendition's bitrate; the WebVTT file's size. */
export interface TestTracks {
  video: (kbps: number) => CmafTrack;
  audio: (kbps: number) => CmafTrack;
  webvttSize: number;
}

/** The packaged programme of `plan`: every rung, audio rendition and caption track of it, with the tracks `tracks` makes. */
export function testProgramme(plan: LadderPlan, tracks: TestTracks, over: Partial<PackagedProgramme> = {}): PackagedProgramme {
  return {
    plan,
    videos: plan.rungs.map((rung) => ({ rung, track: tracks.video(rung.bitrateKbps) })),
    audio: plan.audio.map((a) => ({ plan: a, track: tracks.audio(a.bitrateKbps) })),
    captions: plan.captions.map((c) => ({ plan: c, webvtt: { size: tracks.webvttSize }, imsc1: null })),
    ...over,
  };
}

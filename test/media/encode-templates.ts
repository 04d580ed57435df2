import { professionalTemplate } from '../../src/media/builtin-templates.js';
import type { LadderTemplate, TemplateAudio, TemplateRung } from '../../src/media/ladder-template.js';

/** Ladder templates for the encode tests (HEVC/HDR rungs, multi-language audio, loudness). */

export const vbrRung = (
  name: string,
  codec: 'h264' | 'hevc',
  width: number,
  height: number,
  kbps: number,
  extra: Partial<TemplateRung> = {},
): TemplateRung => ({
  name,
  codec,
  width,
  height,
  rate: { mode: 'vbr', bitrateKbps: kbps, maxrateKbps: Math.round(kbps * 1.2), bufsizeKbps: kbps * 2 },
  profile: codec === 'hevc' ? 'main10' : 'high',
  maxLevel: null,
  range: 'sdr',
  ...extra,
});

/** HEVC Main 10 carrying the master's HDR (PQ/HLG), plus H.264 SDR rungs (tone-mapped from an HDR master). */
export function hdrTemplate(overrides: Partial<LadderTemplate> = {}): LadderTemplate {
  return {
    ...professionalTemplate,
    name: 'hdr-test',
    description: 'HEVC HDR + H.264 SDR',
    rungs: [
      vbrRung('360p-sdr', 'h264', 640, 360, 800),
      vbrRung('360p-hdr', 'hevc', 640, 360, 900, { range: 'hdr' }),
      vbrRung('2160p-hdr', 'hevc', 3840, 2160, 12000, { range: 'hdr' }),
    ],
    hdr: { sdrRungFromHdrMaster: 'tonemap', hdrRungOnSdrMaster: 'skip' },
    ...overrides,
  };
}

/** One small H.264 rung and the given audio policy. */
export function audioTemplate(audio: Partial<TemplateAudio>): LadderTemplate {
  return {
    ...professionalTemplate,
    name: 'audio-test',
    description: 'audio renditions',
    rungs: [vbrRung('240p', 'h264', 426, 240, 300, { profile: 'main' })],
    audio: { ...professionalTemplate.audio, ...audio },
  };
}

import type { LadderTemplate, TemplateRung } from './ladder-template.js';

const h264 = (name: string, width: number, height: number, bitrateKbps: number, profile: 'main' | 'high'): TemplateRung =>
  Object.freeze({
    name,
    codec: 'h264',
    width,
    height,
    rate: Object.freeze({ mode: 'vbr', bitrateKbps, maxrateKbps: Math.round(bitrateKbps * 1.2), bufsizeKbps: bitrateKbps * 2 }),
    profile,
    maxLevel: null,
    range: 'sdr',
  }) as TemplateRung;

/**
 * `professional`: the product's seed ladder (SPEC: 240p, 480p, 720p, 1080p, 2160p, H.264 +
 * AAC), read-only. Every audio language of the master as AAC stereo; an HDR master is
 * tone-mapped to SDR; sidecar captions and text subtitle streams packaged.
 */
export const professionalTemplate: LadderTemplate = Object.freeze({
  name: 'professional',
  description: 'H.264 SDR, 240p to 2160p, AAC stereo per language (built in, read-only)',
  gopSeconds: 2,
  bFrames: 2,
  encoderPreset: 'medium',
  maxFrameRate: 60,
  rungs: Object.freeze([
    h264('240p', 426, 240, 400, 'main'),
    h264('480p', 854, 480, 1400, 'main'),
    h264('720p', 1280, 720, 3000, 'high'),
    h264('1080p', 1920, 1080, 6000, 'high'),
    h264('2160p', 3840, 2160, 16000, 'high'),
  ]),
  hdr: Object.freeze({ sdrRungFromHdrMaster: 'tonemap', hdrRungOnSdrMaster: 'skip' }),
  audio: Object.freeze({ select: Object.freeze({ by: 'all' }), missing: 'skip', stereo: Object.freeze({ bitrateKbps: 128 }), surround: null, loudness: null }),
  captions: Object.freeze({ sidecars: true, embedded: 'extract', dashFormat: 'webvtt', invalid: 'refuse' }),
  packaging: Object.freeze(['hls', 'dash']),
  partialLadder: null,
  acceptedFormats: null,
}) as LadderTemplate;

/** Built-in templates: version 1, read-only, never stored. */
export const builtinTemplates: Readonly<Record<string, LadderTemplate>> = Object.freeze({ professional: professionalTemplate });

export function isBuiltinTemplate(name: string): boolean {
  return Object.hasOwn(builtinTemplates, name);
}

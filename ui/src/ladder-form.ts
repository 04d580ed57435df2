// The ladder editor's pure helpers: the form's constants, form <-> template conversions, and
// the lookup of the appliance's problems by path.
import type { FieldProblem, LadderTemplate } from './api';

export type Rung = LadderTemplate['rungs'][number];
export type Audio = LadderTemplate['audio'];
export type Quality = NonNullable<LadderTemplate['quality']>;
export type QualityMetric = keyof Quality['thresholds'];
export type Problems = FieldProblem[];

export const PROFILES: Record<Rung['codec'], Rung['profile'][]> = { h264: ['baseline', 'main', 'high'], hevc: ['main', 'main10'] };
export const LOUDNESS: Record<'ebu-r128' | 'atsc-a85', { integratedLufs: number; truePeakDbtp: number; lra: number }> = {
  'ebu-r128': { integratedLufs: -23, truePeakDbtp: -1, lra: 7 },
  'atsc-a85': { integratedLufs: -24, truePeakDbtp: -2, lra: 7 },
};
export const PRESETS: LadderTemplate['encoderPreset'][] = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
/** The rung table's number fields, as their labels read ("Rung 3 bitrate, kb/s"). */
export const NUM_LABELS: Record<string, string> = {
  width: 'width',
  height: 'height',
  'rate.bitrateKbps': 'bitrate, kb/s',
  'rate.crf': 'CRF',
  'rate.maxrateKbps': 'maxrate, kb/s',
  'rate.bufsizeKbps': 'bufsize, kb/s',
};
/** What the form edits; the JSON tab holds everything else too (accepted formats). */
export const FORM_KEYS = [
  'gopSeconds',
  'bFrames',
  'encoderPreset',
  'maxFrameRate',
  'rungs',
  'hdr',
  'audio',
  'captions',
  'packaging',
  'partialLadder',
  'quality',
  'acceptedFormats',
] as const;
/** Form fields a template may leave out (the appliance's default applies): the JSON need not hold them to go back to the form. */
export const OPTIONAL_FORM_KEYS: readonly (typeof FORM_KEYS)[number][] = ['quality'];
/** The quality gate the appliance applies when a template names none (docs/quality.md): 3 segments, not gated. */
export const DEFAULT_QUALITY: Quality = { sample: { segments: 3 }, thresholds: {}, onBelow: 'fail' };
export const QUALITY_METRICS: readonly { key: QualityMetric; label: string; step: number }[] = [
  { key: 'psnr', label: 'PSNR, dB', step: 0.5 },
  { key: 'ssim', label: 'SSIM (0–1)', step: 0.001 },
  { key: 'xpsnr', label: 'XPSNR, dB', step: 0.5 },
];

/** An input's number; an emptied field is NaN (sent as null: the appliance names it). */
export const num = (e: { currentTarget: { value: string } }) => (e.currentTarget.value.trim() === '' ? NaN : Number(e.currentTarget.value));
export const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function copyName(from: string): string {
  return `${from.slice(0, 59)}-copy`;
}

/** The template without name and description (the small form above holds those). */
export function body(t: LadderTemplate): Omit<LadderTemplate, 'name' | 'description'> {
  const { name: _name, description: _description, ...rest } = t;
  return rest;
}

export const at = (problems: Problems, path: string) => problems.filter((p) => p.path === path);
export const under = (problems: Problems, path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));

/** A rung with a new codec: a profile that codec takes, SDR unless HEVC. */
export function withCodec(r: Rung, codec: Rung['codec']): Rung {
  const profile = PROFILES[codec].includes(r.profile) ? r.profile : codec === 'h264' ? 'high' : 'main';
  return { ...r, codec, profile, range: codec === 'h264' ? 'sdr' : r.range };
}

export function withMode(r: Rung, mode: Rung['rate']['mode']): Rung {
  if (mode === r.rate.mode) return r;
  const { maxrateKbps, bufsizeKbps } = r.rate;
  return {
    ...r,
    rate:
      mode === 'crf'
        ? { mode, crf: 23, maxrateKbps, bufsizeKbps }
        : { mode, bitrateKbps: Math.max(16, Math.round(maxrateKbps / 1.2)), maxrateKbps, bufsizeKbps },
  };
}

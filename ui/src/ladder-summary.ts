// How a ladder template reads in one line: rungs, rate, audio, captions, policies.
import type { LadderTemplate } from './api';

type Rung = LadderTemplate['rungs'][number];
type Audio = LadderTemplate['audio'];

export const codecName = (c: Rung['codec']) => (c === 'h264' ? 'H.264' : 'HEVC');

/** "5 rungs · H.264 SDR 240p–2160p · HEVC HDR 2160p": rungs grouped by codec and range, by height. */
export function rungSummary(t: Pick<LadderTemplate, 'rungs'>): string {
  const groups = new Map<string, number[]>();
  for (const r of t.rungs) {
    const key = `${codecName(r.codec)} ${r.range.toUpperCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), r.height]);
  }
  const parts = [...groups].map(([key, heights]) => {
    const lo = Math.min(...heights);
    const hi = Math.max(...heights);
    return `${key} ${lo === hi ? `${lo}p` : `${lo}p–${hi}p`}`;
  });
  return [`${t.rungs.length} rung${t.rungs.length === 1 ? '' : 's'}`, ...parts].join(' · ');
}

/** "VBR 6000 kb/s · max 7200 · buf 12000" or "CRF 21 · max 7200 · buf 12000". */
export function rateText(rate: Rung['rate']): string {
  const caps = `max ${rate.maxrateKbps} · buf ${rate.bufsizeKbps} kb/s`;
  return rate.mode === 'vbr' ? `VBR ${rate.bitrateKbps} kb/s · ${caps}` : `CRF ${rate.crf} · ${caps}`;
}

export function selectionText(select: Audio['select']): string {
  if (select.by === 'all') return 'every language of the master';
  if (select.by === 'language') return `languages ${select.languages.join(', ')}`;
  return `tracks ${select.tracks.join(', ')}`;
}

const SURROUND: Record<NonNullable<Audio['surround']>['codec'], string> = { eac3: 'E-AC-3', ac3: 'AC-3', aac: 'AAC' };
const STANDARD: Record<NonNullable<Audio['loudness']>['standard'], string> = { 'ebu-r128': 'EBU R128', 'atsc-a85': 'ATSC A/85', custom: 'custom' };

export const surroundText = (s: Audio['surround']) => (s ? `${SURROUND[s.codec]} 5.1 ${s.bitrateKbps} kb/s` : 'none (stereo only)');

export const loudnessText = (l: Audio['loudness']) =>
  l ? `${STANDARD[l.standard]}: ${l.integratedLufs} LUFS, ${l.truePeakDbtp} dBTP true peak, LRA ${l.lra} LU` : 'as mastered';

/** "every language · AAC stereo 128 kb/s + E-AC-3 5.1 384 kb/s · EBU R128". */
export function audioSummary(a: Audio): string {
  return [
    selectionText(a.select),
    `AAC stereo ${a.stereo.bitrateKbps} kb/s${a.surround ? ` + ${surroundText(a.surround)}` : ''}`,
    a.loudness ? STANDARD[a.loudness.standard] : 'levels as mastered',
  ].join(' · ');
}

export const packagingText = (p: LadderTemplate['packaging']) => p.map((x) => x.toUpperCase()).join(' + ');

export const partialText = (p: LadderTemplate['partialLadder']) =>
  p === 'wait' ? 'wait: a failed rendition fails the job' : p === 'emit' ? 'emit: package the rest, flag it' : 'the appliance default';

/** "3 segments · PSNR ≥ 38 dB · below: fail the job", or the appliance default when the template names no gate. */
export function qualityText(q: LadderTemplate['quality']): string {
  if (!q) return 'measured on 3 segments, not gated (the default)';
  const sample = q.sample === 'all' ? 'whole programme' : `${q.sample.segments} segment${q.sample.segments === 1 ? '' : 's'}`;
  const t = q.thresholds;
  const gates = [
    t.psnr !== undefined ? `PSNR ≥ ${t.psnr} dB` : null,
    t.ssim !== undefined ? `SSIM ≥ ${t.ssim}` : null,
    t.xpsnr !== undefined ? `XPSNR ≥ ${t.xpsnr} dB` : null,
  ].filter((x): x is string => x !== null);
  if (gates.length === 0) return `measured on ${sample}, not gated`;
  return `measured on ${sample} · ${gates.join(' · ')} · below: ${q.onBelow === 'fail' ? 'fail the job' : 'leave the rung out (partial)'}`;
}

/** The accepted-formats narrowing as short phrases; empty when the template leaves the appliance policy. */
export function acceptedText(a: LadderTemplate['acceptedFormats']): string[] {
  if (!a) return [];
  const out: string[] = [];
  if (a.maxWidth !== undefined || a.maxHeight !== undefined) out.push(`at most ${a.maxWidth ?? '∞'}×${a.maxHeight ?? '∞'}`);
  if (a.minWidth !== undefined || a.minHeight !== undefined) out.push(`at least ${a.minWidth ?? 0}×${a.minHeight ?? 0}`);
  if (a.minDurationSeconds !== undefined) out.push(`≥ ${a.minDurationSeconds} s`);
  if (a.maxDurationSeconds !== undefined) out.push(`≤ ${a.maxDurationSeconds} s`);
  if (a.maxFrameRate !== undefined) out.push(`≤ ${a.maxFrameRate} fps`);
  if (a.allowHdr !== undefined) out.push(a.allowHdr ? 'HDR masters accepted' : 'HDR masters refused');
  return out;
}

/** Field order of a template as the schema declares it (the appliance answers with sorted keys). */
const FIELD_ORDER = [
  'name',
  'description',
  'gopSeconds',
  'bFrames',
  'encoderPreset',
  'maxFrameRate',
  'rungs',
  'codec',
  'width',
  'height',
  'rate',
  'mode',
  'bitrateKbps',
  'crf',
  'maxrateKbps',
  'bufsizeKbps',
  'profile',
  'maxLevel',
  'range',
  'hdr',
  'sdrRungFromHdrMaster',
  'hdrRungOnSdrMaster',
  'audio',
  'select',
  'by',
  'languages',
  'tracks',
  'missing',
  'stereo',
  'surround',
  'loudness',
  'standard',
  'integratedLufs',
  'truePeakDbtp',
  'lra',
  'captions',
  'sidecars',
  'embedded',
  'dashFormat',
  'invalid',
  'packaging',
  'partialLadder',
  'quality',
  'sample',
  'segments',
  'thresholds',
  'psnr',
  'ssim',
  'xpsnr',
  'onBelow',
  'acceptedFormats',
  'maxWidth',
  'maxHeight',
  'minWidth',
  'minHeight',
  'minDurationSeconds',
  'maxDurationSeconds',
  'allowHdr',
];
const rank = (k: string) => {
  const i = FIELD_ORDER.indexOf(k);
  return i < 0 ? FIELD_ORDER.length : i;
};

/** The same JSON with every object's keys in the schema's order (unknown keys last, by name): how the editor and the diff show it. */
export function inSchemaOrder<T>(value: T): T {
  if (Array.isArray(value)) return value.map(inSchemaOrder) as T;
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, inSchemaOrder(v)])) as T;
}

import type { HdrMetadata } from './media-info.js';
import type { OutputRange, VideoRungPlan } from './plan-types.js';
import type { LadderTemplate, TemplateRung } from './ladder-template.js';
import { avc1Codec, h264Level, type H264Profile } from './h264-levels.js';
import { hevcLevel, hvc1Codec, levelAbove } from './hevc-levels.js';
import { ladderError } from './media-errors.js';
import { rational, type Rational } from './rational.js';

export interface RungPlanInput {
  template: LadderTemplate;
  /** Display size of the source (square pixels, rotation applied). */
  W: number;
  H: number;
  displayAspect: Rational;
  fps: number;
  sourceRange: OutputRange;
  hdrMetadata: HdrMetadata | null;
}

/**
 * The video rungs of a template for one master: the range each rung is made in (HDR carried
 * through, tone-mapped, skipped or refused per the template's `hdr` policy), its exact size
 * (never above the source; a group whose every rung is larger gets its smallest rung at the
 * source size), rates scaled to the picture, and the level that holds it.
 */
export function planRungs(input: RungPlanInput, notes: string[]): VideoRungPlan[] {
  const { template, W, H, fps, sourceRange } = input;
  const portrait = H > W;
  const fpsFactor = fps > 31 ? 1.5 : 1;
  const size = (r: TemplateRung) => {
    const bw = portrait ? r.height : r.width;
    const bh = portrait ? r.width : r.height;
    return { scale: Math.min(bw / W, bh / H), area: bw * bh };
  };

  // Range per rung, from the template's HDR policy.
  const ranged: { rung: TemplateRung; range: OutputRange; tonemap: boolean }[] = [];
  for (const rung of template.rungs) {
    if (rung.range === 'hdr') {
      if (sourceRange !== 'sdr') ranged.push({ rung, range: sourceRange, tonemap: false });
      else if (template.hdr.hdrRungOnSdrMaster === 'refuse')
        throw ladderError(
          'LADDER_HDR_ON_SDR',
          `rung ${rung.name} is HDR and the master is SDR (the template refuses; set hdr.hdrRungOnSdrMaster to skip or sdr)`,
        );
      else if (template.hdr.hdrRungOnSdrMaster === 'sdr') {
        ranged.push({ rung, range: 'sdr', tonemap: false });
        notes.push(`rung ${rung.name}: HDR rung made SDR (BT.709), the master is SDR`);
      } else notes.push(`rung ${rung.name}: skipped, HDR rung and the master is SDR`);
    } else if (sourceRange !== 'sdr') {
      if (template.hdr.sdrRungFromHdrMaster === 'refuse')
        throw ladderError('LADDER_SDR_FROM_HDR', `rung ${rung.name} is SDR and the master is ${sourceRange.toUpperCase()} (the template refuses to tone-map)`);
      ranged.push({ rung, range: 'sdr', tonemap: true });
    } else ranged.push({ rung, range: 'sdr', tonemap: false });
  }
  if (ranged.some((r) => r.tonemap)) notes.push(`SDR rungs tone-mapped from the ${sourceRange.toUpperCase()} master (zscale + tonemap hable, BT.709)`);
  if (ranged.length === 0) throw ladderError('LADDER_NO_RUNGS', `no rung of ladder ${template.name} can be made from this master`);

  // No upscaling; per group (codec + range), the smallest rung at source size when all are larger.
  const groups = new Map<string, typeof ranged>();
  for (const r of ranged) {
    const g = `${r.rung.codec}-${r.range}`;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const out: VideoRungPlan[] = [];
  for (const [group, members] of groups) {
    let chosen = members.filter((m) => size(m.rung).scale <= 1 + 1e-9);
    let fallback = false;
    if (chosen.length === 0) {
      const smallest = [...members].sort((a, b) => size(a.rung).area - size(b.rung).area)[0];
      if (smallest) chosen = [smallest];
      fallback = true;
    }
    for (const m of chosen) out.push(rungPlan(input, m, group, fallback, size(m.rung), fpsFactor));
    if (fallback) notes.push(`${group}: the source (${Math.round(W)}x${Math.round(H)}) is smaller than every rung: one rendition at source size`);
    else if (chosen.length < members.length) notes.push(`${group}: ${members.length - chosen.length} rung(s) above the source size skipped (no upscaling)`);
  }
  if (fpsFactor !== 1) notes.push(`high frame rate (${fps.toFixed(3)} fps) kept on every rung, bitrates ×${fpsFactor}`);
  const names = out.map((r) => r.name);
  if (new Set(names).size !== names.length) throw ladderError('LADDER_INVALID', `rendition names repeat after planning: ${names.join(', ')}`);
  return out.sort((a, b) => a.width * a.height - b.width * b.height || a.group.localeCompare(b.group));
}

function rungPlan(
  input: RungPlanInput,
  m: { rung: TemplateRung; range: OutputRange; tonemap: boolean },
  group: string,
  fallback: boolean,
  size: { scale: number; area: number },
  fpsFactor: number,
): VideoRungPlan {
  const { W, H, displayAspect, fps } = input;
  const { rung } = m;
  const s = Math.min(size.scale, 1);
  const width = evenAtMost(W * s, W);
  const height = evenAtMost(H * s, H);
  const areaFactor = Math.min(1, Math.max(0.5, (width * height) / size.area));
  const factor = areaFactor * fpsFactor;
  const scaled = (kbps: number) => Math.max(16, Math.round(kbps * factor));
  const maxrateKbps = scaled(rung.rate.maxrateKbps);
  const bufsizeKbps = scaled(rung.rate.bufsizeKbps);
  const bitrateKbps = rung.rate.mode === 'vbr' ? scaled(rung.rate.bitrateKbps) : maxrateKbps;
  let level: string;
  let codecs: string;
  if (rung.codec === 'h264') {
    const profile = rung.profile as H264Profile;
    level = h264Level({ width, height, fps, maxrateKbps, bufsizeKbps, profile });
    codecs = avc1Codec(profile, level);
  } else {
    const found = hevcLevel({ width, height, fps, maxrateKbps, bufsizeKbps });
    if (!found)
      throw ladderError('LADDER_LEVEL_EXCEEDED', `rung ${rung.name}: no HEVC level holds ${width}x${height} at ${fps.toFixed(3)} fps, ${maxrateKbps} kbit/s`);
    level = found;
    codecs = hvc1Codec(rung.profile === 'main10' ? 'main10' : 'main', level);
  }
  if (rung.maxLevel && levelAbove(level, rung.maxLevel))
    throw ladderError(
      'LADDER_LEVEL_EXCEEDED',
      `rung ${rung.name}: ${width}x${height} at ${fps.toFixed(3)} fps and ${maxrateKbps} kbit/s needs level ${level}, above the template's maximum ${rung.maxLevel}`,
    );
  const bitDepth: 8 | 10 = rung.profile === 'main10' ? 10 : 8;
  return {
    name: fallback ? `${Math.min(width, height)}p${group === 'h264-sdr' ? '' : `-${group}`}` : rung.name,
    codec: rung.codec,
    width,
    height,
    sar: rational(displayAspect.num * height, displayAspect.den * width),
    bitrateKbps,
    maxrateKbps,
    bufsizeKbps,
    crf: rung.rate.mode === 'crf' ? rung.rate.crf : null,
    profile: rung.profile,
    level,
    codecs,
    range: m.range,
    bitDepth,
    tonemap: m.tonemap,
    hdrMetadata: m.range === 'pq' ? input.hdrMetadata : null,
    group,
  };
}

/** Even, rounded to nearest, but never above the source dimension (that would be an upscale). */
function evenAtMost(x: number, source: number): number {
  const nearest = 2 * Math.round(x / 2);
  const ceiling = 2 * Math.floor(source / 2);
  return Math.max(2, Math.min(nearest, ceiling));
}

/**
 * HEVC levels (ITU-T H.265 Table A.8, Main tier): the lowest level whose limits hold a
 * rung's picture size, luma sample rate and VBV settings, and the RFC 6381 codec string
 * (ISO/IEC 14496-15 Annex E) of a Main or Main 10 stream at that level.
 */
export type HevcProfile = 'main' | 'main10';

interface LevelLimits {
  level: string;
  /** MaxLumaPs: luma samples per picture. */
  maxLumaPs: number;
  /** MaxLumaSr: luma samples per second. */
  maxLumaSr: number;
  /** MaxBR, Main tier, kbit/s (CpbBrVclFactor 1000). */
  maxBr: number;
  /** MaxCPB, Main tier, kbit. */
  maxCpb: number;
}

const LEVELS: readonly LevelLimits[] = [
  { level: '1', maxLumaPs: 36_864, maxLumaSr: 552_960, maxBr: 128, maxCpb: 350 },
  { level: '2', maxLumaPs: 122_880, maxLumaSr: 3_686_400, maxBr: 1_500, maxCpb: 1_500 },
  { level: '2.1', maxLumaPs: 245_760, maxLumaSr: 7_372_800, maxBr: 3_000, maxCpb: 3_000 },
  { level: '3', maxLumaPs: 552_960, maxLumaSr: 16_588_800, maxBr: 6_000, maxCpb: 6_000 },
  { level: '3.1', maxLumaPs: 983_040, maxLumaSr: 33_177_600, maxBr: 10_000, maxCpb: 10_000 },
  { level: '4', maxLumaPs: 2_228_224, maxLumaSr: 66_846_720, maxBr: 12_000, maxCpb: 12_000 },
  { level: '4.1', maxLumaPs: 2_228_224, maxLumaSr: 133_693_440, maxBr: 20_000, maxCpb: 20_000 },
  { level: '5', maxLumaPs: 8_912_896, maxLumaSr: 267_386_880, maxBr: 25_000, maxCpb: 25_000 },
  { level: '5.1', maxLumaPs: 8_912_896, maxLumaSr: 534_773_760, maxBr: 40_000, maxCpb: 40_000 },
  { level: '5.2', maxLumaPs: 8_912_896, maxLumaSr: 1_069_547_520, maxBr: 60_000, maxCpb: 60_000 },
  { level: '6', maxLumaPs: 35_651_584, maxLumaSr: 1_069_547_520, maxBr: 60_000, maxCpb: 60_000 },
  { level: '6.1', maxLumaPs: 35_651_584, maxLumaSr: 2_139_095_040, maxBr: 120_000, maxCpb: 120_000 },
  { level: '6.2', maxLumaPs: 35_651_584, maxLumaSr: 4_278_190_080, maxBr: 240_000, maxCpb: 240_000 },
];

export const HEVC_LEVELS: readonly string[] = LEVELS.map((l) => l.level);

/** The lowest Main-tier level that fits, or null when none does. */
export function hevcLevel(o: { width: number; height: number; fps: number; maxrateKbps: number; bufsizeKbps: number }): string | null {
  const ps = o.width * o.height;
  for (const l of LEVELS) {
    // Neither dimension may exceed sqrt(8 * MaxLumaPs).
    const side = Math.sqrt(8 * l.maxLumaPs);
    if (ps > l.maxLumaPs || o.width > side || o.height > side || ps * o.fps > l.maxLumaSr) continue;
    if (o.maxrateKbps > l.maxBr || o.bufsizeKbps > l.maxCpb) continue;
    return l.level;
  }
  return null;
}

/** `general_level_idc`: 30 × the level number ("5.1" → 153). */
export function hevcLevelIdc(level: string): number {
  return Math.round(Number(level) * 30);
}

/**
 * RFC 6381 string for an `hvc1` track: Main `hvc1.1.6.L<idc>.90`, Main 10 `hvc1.2.4.L<idc>.90`
 * (profile space 0, Main tier, compatibility flags reversed, constraint byte 0x90 =
 * progressive source + frame only, as x265 writes for progressive input).
 */
export function hvc1Codec(profile: HevcProfile, level: string): string {
  return profile === 'main10' ? `hvc1.2.4.L${hevcLevelIdc(level)}.90` : `hvc1.1.6.L${hevcLevelIdc(level)}.90`;
}

/** Compare two level strings ("4.1" < "5"). */
export function levelAbove(level: string, cap: string): boolean {
  return Number(level) > Number(cap) + 1e-9;
}

/**
 * H.264 levels (ITU-T H.264 Table A-1): the lowest level whose limits hold a rung's
 * frame size, macroblock rate and VBV settings. Limits for High profile are 1.25× the
 * Main/Baseline bit-rate and CPB limits (Table A-2).
 */
export type H264Profile = 'baseline' | 'main' | 'high';

interface LevelLimits {
  level: string;
  maxMbps: number;
  maxFs: number;
  /** kbit/s, Main profile. */
  maxBr: number;
  /** kbit, Main profile. */
  maxCpb: number;
}

const LEVELS: readonly LevelLimits[] = [
  { level: '1', maxMbps: 1485, maxFs: 99, maxBr: 64, maxCpb: 175 },
  { level: '1.1', maxMbps: 3000, maxFs: 396, maxBr: 192, maxCpb: 500 },
  { level: '1.2', maxMbps: 6000, maxFs: 396, maxBr: 384, maxCpb: 1000 },
  { level: '1.3', maxMbps: 11880, maxFs: 396, maxBr: 768, maxCpb: 2000 },
  { level: '2', maxMbps: 11880, maxFs: 396, maxBr: 2000, maxCpb: 2000 },
  { level: '2.1', maxMbps: 19800, maxFs: 792, maxBr: 4000, maxCpb: 4000 },
  { level: '2.2', maxMbps: 20250, maxFs: 1620, maxBr: 4000, maxCpb: 4000 },
  { level: '3', maxMbps: 40500, maxFs: 1620, maxBr: 10000, maxCpb: 10000 },
  { level: '3.1', maxMbps: 108000, maxFs: 3600, maxBr: 14000, maxCpb: 14000 },
  { level: '3.2', maxMbps: 216000, maxFs: 5120, maxBr: 20000, maxCpb: 20000 },
  { level: '4', maxMbps: 245760, maxFs: 8192, maxBr: 20000, maxCpb: 25000 },
  { level: '4.1', maxMbps: 245760, maxFs: 8192, maxBr: 50000, maxCpb: 62500 },
  { level: '4.2', maxMbps: 522240, maxFs: 8704, maxBr: 50000, maxCpb: 62500 },
  { level: '5', maxMbps: 589824, maxFs: 22080, maxBr: 135000, maxCpb: 135000 },
  { level: '5.1', maxMbps: 983040, maxFs: 36864, maxBr: 240000, maxCpb: 240000 },
  { level: '5.2', maxMbps: 2073600, maxFs: 36864, maxBr: 240000, maxCpb: 240000 },
  { level: '6', maxMbps: 4177920, maxFs: 139264, maxBr: 240000, maxCpb: 240000 },
  { level: '6.1', maxMbps: 8355840, maxFs: 139264, maxBr: 480000, maxCpb: 480000 },
  { level: '6.2', maxMbps: 16711680, maxFs: 139264, maxBr: 800000, maxCpb: 800000 },
];

export const H264_LEVELS: readonly string[] = LEVELS.map((l) => l.level);

/** The lowest level that fits; throws RangeError if even 6.2 does not (cannot happen within the 8192 px policy at ≤ 120 fps). */
export function h264Level(o: { width: number; height: number; fps: number; maxrateKbps: number; bufsizeKbps: number; profile: H264Profile }): string {
  const mbW = Math.ceil(o.width / 16);
  const mbH = Math.ceil(o.height / 16);
  const fs = mbW * mbH;
  const mbps = fs * o.fps;
  const factor = o.profile === 'high' ? 1.25 : 1;
  for (const l of LEVELS) {
    if (l.level === '1' || fs > l.maxFs || mbps > l.maxMbps) continue;
    // Neither dimension may exceed sqrt(8 * MaxFS) macroblocks.
    const side = Math.sqrt(8 * l.maxFs);
    if (mbW > side || mbH > side) continue;
    if (o.maxrateKbps > l.maxBr * factor || o.bufsizeKbps > l.maxCpb * factor) continue;
    return l.level;
  }
  throw new RangeError(`no H.264 level holds ${o.width}x${o.height} at ${o.fps} fps, ${o.maxrateKbps} kbit/s`);
}

/** RFC 6381 codec string, e.g. "avc1.64001f" for High@3.1. */
export function avc1Codec(profile: H264Profile, level: string): string {
  const profileIdc = profile === 'high' ? 0x64 : profile === 'main' ? 0x4d : 0x42;
  const constraints = profile === 'baseline' ? 0xc0 : 0x00;
  const levelIdc = Math.round(Number(level) * 10);
  return `avc1.${[profileIdc, constraints, levelIdc].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

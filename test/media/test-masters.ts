import type { HdrMetadata } from '../../src/media/media-info.js';

/** The ffmpeg arguments of the encode tests' masters (made with `MediaTools.make`; the output path is the caller's). */

/** x265's own HDR10 test values, as its `master-display` parameter takes them. */
export const MASTER_DISPLAY = 'G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)';

/** The HDR10 metadata of an HDR10 test master (MASTER_DISPLAY, max-cll 1000,400) as the appliance reads it: integer units. */
export const HDR10_METADATA: HdrMetadata = {
  masteringDisplay: { red: [34000, 16000], green: [13250, 34500], blue: [7500, 3000], whitePoint: [15635, 16450], maxLuminance: 10_000_000, minLuminance: 50 },
  contentLight: { maxCll: 1000, maxFall: 400 },
};

/** x265 parameters of an HDR10 master: BT.2020 PQ, the metadata in SEI only (an MP4 gets no mdcv/clli of its own). */
export const X265_HDR10 = `hdr10=1:repeat-headers=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:master-display=${MASTER_DISPLAY}:max-cll=1000,400:log-level=error`;

/** libx265 Main 10 (ultrafast) with `x265Params`, the stream tagged BT.2020 with the `transfer` of PQ or HLG. */
export function x265Main10Args(x265Params: string, transfer: 'smpte2084' | 'arib-std-b67'): string[] {
  return [
    ...['-c:v', 'libx265', '-preset', 'ultrafast', '-profile:v', 'main10', '-x265-params', x265Params],
    ...['-color_primaries', 'bt2020', '-color_trc', transfer, '-colorspace', 'bt2020nc'],
  ];
}

/** One tone per 5.1 channel (L R C LFE Ls Rs), each its own frequency and level. */
const SIX_TONES = '0.3*sin(2*PI*220*t)|0.3*sin(2*PI*330*t)|0.4*sin(2*PI*440*t)|0.2*sin(2*PI*55*t)|0.15*sin(2*PI*550*t)|0.15*sin(2*PI*660*t)';

/**
 * `seconds` of 320x240 H.264 and three PCM 24-bit audio tracks tagged with ISO 639-2/B codes:
 * eng stereo (pink noise), fre 5.1 (six tones), ger mono (quiet pink noise). Output options may follow.
 */
export function threeLanguageMasterArgs(seconds: number): string[] {
  const d = seconds;
  return [
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${d}`],
    ...['-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.5:duration=${d}:sample_rate=48000:seed=1,pan=stereo|c0=c0|c1=0.8*c0`],
    ...['-f', 'lavfi', '-i', `aevalsrc=${SIX_TONES}:channel_layout=5.1:sample_rate=48000:duration=${d}`],
    ...['-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.03:duration=${d}:sample_rate=48000:seed=2`],
    ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s24le'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fre', '-metadata:s:a:2', 'language=ger'],
  ];
}

import { checkInput, checkInt } from './argv-values.js';

/**
 * ffprobe argv (after the binary) that prints the document `readProbe()` reads. Decodes
 * nothing: container and stream headers only, so it is cheap even on a 200 GB master.
 * The input is a `-i PATH` pair so the verified spawn can put its protocol whitelist in front.
 */
export function probeArgs(input: string): string[] {
  return ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-i', checkInput(input, 'probe input')];
}

/**
 * Optional second probe for a GOP estimate: packet flags of one video stream over the
 * first `windowSeconds` (default 60). Reads packets only (no decoding); `parseKeyframeProbe`
 * turns its output into a `GopEstimate`. It is a separate command because it reads media
 * data, not just headers, and the estimate is advisory (nothing in the ladder depends on it).
 */
export function keyframeProbeArgs(input: string, options: { streamIndex: number; windowSeconds?: number }): string[] {
  const window = checkInt(options.windowSeconds ?? 60, 1, 3600, 'keyframe probe window');
  return [
    '-hide_banner',
    '-v',
    'error',
    '-select_streams',
    String(checkInt(options.streamIndex, 0, 65535, 'stream index')),
    '-read_intervals',
    `%+${window}`,
    '-show_entries',
    'packet=pts_time,dts_time,flags',
    '-print_format',
    'json',
    '-i',
    checkInput(input, 'probe input'),
  ];
}

/**
 * HDR10 metadata of the first frame (`parseHdrFrameProbe` in hdr-metadata.ts): an HEVC
 * elementary stream (or a container that does not copy it to the stream) carries mastering
 * display and content light level only as SEI, which ffprobe shows as frame side data.
 * Reads one packet of one stream and decodes one frame: cheap even at 2160p.
 */
export function hdrFrameProbeArgs(input: string, options: { streamIndex: number }): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-select_streams',
    String(checkInt(options.streamIndex, 0, 65535, 'stream index')),
    '-read_intervals',
    '%+#1',
    '-show_frames',
    '-show_entries',
    'frame=side_data_list',
    '-print_format',
    'json',
    '-i',
    checkInput(input, 'probe input'),
  ];
}

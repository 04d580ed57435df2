import * as assert from 'uvu/assert';
import { parseHdrFrameProbe } from '../../src/media/hdr-metadata.js';
import type { HdrMetadata } from '../../src/media/media-info.js';
import { hdrFrameProbeArgs } from '../../src/media/probe-args.js';
import type { MediaTools } from './media-tools.js';

/** What ffprobe shows of an encoded video stream (-show_streams), as far as the encode tests look. */
export interface StreamFacts {
  codec_name: string;
  profile: string;
  pix_fmt: string;
  level: number;
  width: number;
  height: number;
  codec_tag_string: string;
  color_space: string;
  color_transfer: string;
  color_primaries: string;
  side_data_list?: Record<string, unknown>[];
}

/** The first video stream of `path`. */
export function videoStreamFacts(t: MediaTools, path: string): StreamFacts {
  const r = t.ffprobe(['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-of', 'json', '-i', path]);
  assert.is(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { streams: StreamFacts[] }).streams[0]!;
}

/** The HDR10 metadata of the first frame of `path`'s first stream (the appliance's first-frame probe), or null. */
export function firstFrameHdr(t: MediaTools, path: string): HdrMetadata | null {
  const r = t.ffprobe(hdrFrameProbeArgs(path, { streamIndex: 0 }));
  assert.is(r.status, 0, r.stderr);
  return parseHdrFrameProbe(r.stdout);
}

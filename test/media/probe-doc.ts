import { parseProbe } from '../../src/media/parse-probe.js';
import type { MediaInfo } from '../../src/media/media-info.js';

/** An ffprobe document shaped like the real ones (see parse-probe.test.ts), for pure planning tests. */
export interface FakeSource {
  width: number;
  height: number;
  sar?: string;
  rate?: string;
  avgRate?: string;
  fieldOrder?: string;
  rotation?: number;
  audioTracks?: number;
  audioDefault?: number;
  codec?: string;
  duration?: number;
  transfer?: string;
  pixFmt?: string;
  frames?: number;
  /** Audio tracks with their tags (instead of `audioTracks`). */
  audio?: Array<{ language?: string | null; channels?: number; isDefault?: boolean }>;
  subtitles?: Array<{ codec: string; language?: string; forced?: boolean }>;
  closedCaptions?: boolean;
}

export function fakeProbeDoc(s: FakeSource): Record<string, unknown> {
  const duration = s.duration ?? 60;
  const streams: Record<string, unknown>[] = [
    {
      index: 0,
      codec_name: s.codec ?? 'prores',
      codec_type: 'video',
      profile: 'HQ',
      width: s.width,
      height: s.height,
      sample_aspect_ratio: s.sar ?? '1:1',
      pix_fmt: s.pixFmt ?? 'yuv422p10le',
      field_order: s.fieldOrder ?? 'progressive',
      r_frame_rate: s.rate ?? '25/1',
      avg_frame_rate: s.avgRate ?? s.rate ?? '25/1',
      duration: String(duration),
      nb_frames: String(s.frames ?? Math.round(duration * 25)),
      color_transfer: s.transfer ?? 'bt709',
      color_primaries: s.transfer === 'smpte2084' || s.transfer === 'arib-std-b67' ? 'bt2020' : 'bt709',
      color_space: s.transfer === 'smpte2084' || s.transfer === 'arib-std-b67' ? 'bt2020nc' : 'bt709',
      ...(s.closedCaptions ? { closed_captions: 1 } : {}),
      color_range: 'tv',
      disposition: { default: 1, attached_pic: 0 },
      ...(s.rotation !== undefined ? { side_data_list: [{ side_data_type: 'Display Matrix', displaymatrix: '…', rotation: s.rotation }] } : {}),
    },
  ];
  for (const [i, a] of (s.audio ?? []).entries()) {
    const channels = a.channels ?? 2;
    streams.push({
      index: streams.length,
      codec_name: 'pcm_s24le',
      codec_type: 'audio',
      sample_rate: '48000',
      channels,
      channel_layout: channels === 6 ? '5.1(side)' : channels === 1 ? 'mono' : 'stereo',
      disposition: { default: (a.isDefault ?? i === 0) ? 1 : 0 },
      ...(a.language !== null ? { tags: { language: a.language ?? 'und' } } : {}),
    });
  }
  for (const sub of s.subtitles ?? []) {
    streams.push({
      index: streams.length,
      codec_name: sub.codec,
      codec_type: 'subtitle',
      disposition: { default: 0, forced: sub.forced ? 1 : 0 },
      tags: { language: sub.language ?? 'und' },
    });
  }
  for (let i = 0; i < (s.audio ? 0 : (s.audioTracks ?? 1)); i++) {
    streams.push({
      index: i + 1,
      codec_name: 'pcm_s24le',
      codec_type: 'audio',
      sample_rate: '48000',
      channels: 2,
      channel_layout: 'stereo',
      disposition: { default: i === (s.audioDefault ?? 0) ? 1 : 0 },
      tags: { language: i === 0 ? 'eng' : 'und' },
    });
  }
  return {
    streams,
    format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: String(duration), size: '1000000', bit_rate: '800000', nb_streams: streams.length },
  };
}

export function fakeInfo(s: FakeSource): MediaInfo {
  return parseProbe(fakeProbeDoc(s));
}

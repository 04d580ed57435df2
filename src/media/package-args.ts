import type { AudioPlan, LadderPlan, VideoRungPlan } from './ladder-plan.js';
import { checkDistinctPaths, checkInput, checkTemplateSafePath } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';

/** The encoded renditions a package is made from (stream copy, no re-encode). */
export interface PackageInputs {
  /** Video renditions, smallest first, each an MP4 from the encode stage. */
  videos: ReadonlyArray<{ path: string; rung: VideoRungPlan }>;
  audio: { path: string; plan: AudioPlan } | null;
}

/** What the packaging stage writes, relative to its output folder. */
export const HLS_MASTER = 'master.m3u8';
export const DASH_MANIFEST = 'manifest.mpd';

/** Inputs for a plan whose renditions all succeeded (or the subset that did, for a partial ladder). */
export function packageInputs(plan: LadderPlan, paths: { videos: ReadonlyArray<{ rungIndex: number; path: string }>; audio: string | null }): PackageInputs {
  const videos = paths.videos
    .map(({ rungIndex, path }) => {
      const rung = plan.rungs[rungIndex];
      if (!rung) throw mediaArgumentError(`no rung ${rungIndex} in the plan`);
      return { path, rung };
    })
    .sort((a, b) => a.rung.height * a.rung.width - b.rung.height * b.rung.width);
  if (paths.audio && !plan.audio) throw mediaArgumentError('the plan has no audio rendition');
  return { videos, audio: paths.audio && plan.audio ? { path: paths.audio, plan: plan.audio } : null };
}

function inputArgs(inputs: PackageInputs): { args: string[]; paths: string[] } {
  if (inputs.videos.length === 0) throw mediaArgumentError('a package needs at least one video rendition');
  const paths = [
    ...inputs.videos.map((v, i) => checkInput(v.path, `video rendition ${i}`)),
    ...(inputs.audio ? [checkInput(inputs.audio.path, 'audio rendition')] : []),
  ];
  const args: string[] = [];
  for (const p of paths) args.push('-i', p);
  inputs.videos.forEach((_, i) => args.push('-map', `${i}:v:0`));
  if (inputs.audio) args.push('-map', `${inputs.videos.length}:a:0`);
  return { args, paths };
}

const HEAD = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-y'];

function safeName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) throw mediaArgumentError(`rendition name "${name}" is not a safe folder name`);
  return name;
}

/**
 * HLS, CMAF flavour: fMP4 segments of `gopSeconds`, a VOD media playlist per rendition in
 * `OUT/<rung>/index.m3u8` (+ `init_N.mp4`, `seg_NNNNN.m4s`), audio as its own rendition
 * (`OUT/audio/`) in group "audio" referenced by every video variant, and `OUT/master.m3u8`
 * with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION and CODECS per variant.
 *
 * `-bsf:v h264_mp4toannexb`: the hls muxer reads the avc1 CODECS value from Annex B
 * extradata; MP4 renditions carry avcC, and without the filter the master lists no
 * video CODECS. The fMP4 segment writer converts back to length-prefixed samples.
 */
export function hlsPackageArgs(plan: LadderPlan, inputs: PackageInputs, options: { outDir: string }): string[] {
  const out = checkTemplateSafePath(options.outDir.replace(/\/+$/, ''), 'HLS output folder');
  const { args, paths } = inputArgs(inputs);
  const names = inputs.videos.map((v) => safeName(v.rung.name));
  if (new Set(names).size !== names.length) throw mediaArgumentError('rendition names must be unique');
  const group = inputs.audio ? ',agroup:audio' : '';
  const map = names.map((n, i) => `v:${i}${group},name:${n}`);
  if (inputs.audio) {
    const lang = inputs.audio.plan.language;
    map.push(`a:0,agroup:audio,name:audio,default:yes${lang && /^[a-z]{2,3}$/.test(lang) ? `,language:${lang}` : ''}`);
  }
  checkDistinctPaths(paths, [`${out}/${HLS_MASTER}`]);
  return [
    ...HEAD,
    ...args,
    '-c',
    'copy',
    '-bsf:v',
    'h264_mp4toannexb',
    '-f',
    'hls',
    '-hls_time',
    String(plan.gopSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_segment_filename',
    `${out}/%v/seg_%05d.m4s`,
    '-master_pl_name',
    HLS_MASTER,
    '-var_stream_map',
    map.join(' '),
    `${out}/%v/index.m3u8`,
  ];
}

/**
 * DASH: `OUT/manifest.mpd`, one adaptation set for all video representations (they share
 * one display aspect, see ladder-plan.ts) and one for audio, `gopSeconds` segments with a
 * SegmentTemplate + SegmentTimeline, init and media segments beside the manifest.
 */
export function dashPackageArgs(plan: LadderPlan, inputs: PackageInputs, options: { outDir: string }): string[] {
  const out = checkTemplateSafePath(options.outDir.replace(/\/+$/, ''), 'DASH output folder');
  const { args, paths } = inputArgs(inputs);
  checkDistinctPaths(paths, [`${out}/${DASH_MANIFEST}`]);
  return [
    ...HEAD,
    ...args,
    '-c',
    'copy',
    '-f',
    'dash',
    '-seg_duration',
    String(plan.gopSeconds),
    '-use_template',
    '1',
    '-use_timeline',
    '1',
    '-dash_segment_type',
    'mp4',
    '-adaptation_sets',
    inputs.audio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v',
    '-init_seg_name',
    'init-$RepresentationID$.m4s',
    '-media_seg_name',
    'chunk-$RepresentationID$-$Number%05d$.m4s',
    `${out}/${DASH_MANIFEST}`,
  ];
}

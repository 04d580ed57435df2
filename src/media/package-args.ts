import type { AudioPlan, LadderPlan, VideoRungPlan } from './plan-types.js';
import { checkDistinctPaths, checkInput, checkTemplateSafePath } from './argv-values.js';
import { checkRenditionName, MUX_INIT_TEMPLATE, MUX_MANIFEST, MUX_SEGMENT_TEMPLATE } from './cmaf-layout.js';
import { mediaArgumentError } from './media-errors.js';

/** The encoded renditions a package is made from (stream copy, no re-encode), in mux order. */
export interface PackageInputs {
  /** Video rungs in plan order, each an MP4 from the encode stage (H.264 avc1 or HEVC hvc1). */
  videos: ReadonlyArray<{ path: string; rung: VideoRungPlan }>;
  /** Audio renditions in plan order, one track each. */
  audio: ReadonlyArray<{ path: string; plan: AudioPlan }>;
}

/** A muxed stream: its index in the muxer's output (map order, the MPD's Representation id) and what it is. */
export type MuxedStream = { index: number; kind: 'video'; rung: VideoRungPlan } | { index: number; kind: 'audio'; plan: AudioPlan };

/**
 * Inputs for a plan whose renditions all succeeded, or the subset that did (a partial
 * ladder). Video renditions are named by rung index, audio renditions by their plan name.
 */
export function packageInputs(
  plan: LadderPlan,
  paths: { videos: ReadonlyArray<{ rungIndex: number; path: string }>; audio: ReadonlyArray<{ name: string; path: string }> },
): PackageInputs {
  const videos = [...paths.videos]
    .sort((a, b) => a.rungIndex - b.rungIndex)
    .map(({ rungIndex, path }) => {
      const rung = plan.rungs[rungIndex];
      if (!rung) throw mediaArgumentError(`no rung ${rungIndex} in the plan`);
      return { path, rung };
    });
  const order = new Map(plan.audio.map((a, i) => [a.name, i]));
  const audio = [...paths.audio]
    .map(({ name, path }) => {
      const i = order.get(name);
      if (i === undefined) throw mediaArgumentError(`no audio rendition "${name}" in the plan`);
      return { path, plan: plan.audio[i] as AudioPlan, i };
    })
    .sort((a, b) => a.i - b.i)
    .map(({ path, plan: p }) => ({ path, plan: p }));
  const names = [...videos.map((v) => v.rung.name), ...audio.map((a) => a.plan.name)].map(checkRenditionName);
  if (new Set(names).size !== names.length) throw mediaArgumentError('rendition names must be unique');
  return { videos, audio };
}

/** The muxer's output streams in order: video rungs, then audio renditions. */
export function muxedStreams(inputs: PackageInputs): MuxedStream[] {
  return [
    ...inputs.videos.map((v, index): MuxedStream => ({ index, kind: 'video', rung: v.rung })),
    ...inputs.audio.map((a, i): MuxedStream => ({ index: inputs.videos.length + i, kind: 'audio', plan: a.plan })),
  ];
}

/**
 * One dash-muxer run cutting every rendition into CMAF segments (fMP4: init + `moof`/`mdat`
 * segments) of `gopSeconds`, stream copy. Written into `muxDir`: the muxer's MPD, and per
 * output stream `i` `init-i.m4s` + `chunk-i-NNNNN.m4s`. The package stage then moves the
 * segments to `cmaf/<rendition>/` and writes both manifests itself (hls-playlists.ts,
 * dash-manifest.ts); the muxer's MPD is read for the segment timelines only.
 *
 * Each stream is its own adaptation set here (the muxer then never compares aspect ratios
 * across rungs); `-fflags +bitexact` keeps the encoder string and creation times out of the
 * init segments, so the same renditions give the same bytes.
 */
export function cmafMuxArgs(plan: LadderPlan, inputs: PackageInputs, options: { muxDir: string }): string[] {
  const out = checkTemplateSafePath(options.muxDir.replace(/\/+$/, ''), 'packaging scratch folder');
  if (inputs.videos.length === 0) throw mediaArgumentError('a package needs at least one video rendition');
  if (!(plan.gopSeconds > 0 && plan.gopSeconds <= 20)) throw mediaArgumentError(`segment duration ${plan.gopSeconds} s is out of range`);
  const paths = [
    ...inputs.videos.map((v) => checkInput(v.path, `video rendition ${v.rung.name}`)),
    ...inputs.audio.map((a) => checkInput(a.path, `audio rendition ${a.plan.name}`)),
  ];
  checkDistinctPaths(paths, [`${out}/${MUX_MANIFEST}`]);
  const args = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-y'];
  for (const p of paths) args.push('-i', p);
  inputs.videos.forEach((_, i) => args.push('-map', `${i}:v:0`));
  inputs.audio.forEach((_, i) => args.push('-map', `${inputs.videos.length + i}:a:0`));
  const sets = paths.map((_, i) => `id=${i},streams=${i}`).join(' ');
  return [
    ...args,
    '-c',
    'copy',
    '-fflags',
    '+bitexact',
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
    '-hls_playlist',
    '0',
    '-adaptation_sets',
    sets,
    '-init_seg_name',
    MUX_INIT_TEMPLATE,
    '-media_seg_name',
    MUX_SEGMENT_TEMPLATE,
    `${out}/${MUX_MANIFEST}`,
  ];
}

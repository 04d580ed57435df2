import type { AudioPlan, CaptionPlan, LadderPlan, VideoRungPlan } from './plan-types.js';
import type { TimelineSegment } from './muxed-mpd.js';

/** A media segment as written: its place on the track's timeline and its size in bytes. */
export interface CmafSegment extends TimelineSegment {
  size: number;
}

/**
 * One rendition's CMAF track: `cmaf/<name>/init.mp4` and, for the n-th entry of `segments`
 * (from 1), `cmaf/<name>/seg_<n>.m4s` (cmaf-layout.ts).
 */
export interface CmafTrack {
  timescale: number;
  segments: CmafSegment[];
}

/** A caption track's sidecar files as placed (sizes in bytes; null: not placed). */
export interface PackagedCaption {
  plan: CaptionPlan;
  webvtt: { size: number } | null;
  imsc1: { size: number } | null;
}

/** The facts both manifests are written from: the plan's parts that were packaged, and what the muxer cut. */
export interface PackagedProgramme {
  plan: Pick<LadderPlan, 'frameRate' | 'displayAspect' | 'gopSeconds'>;
  videos: ReadonlyArray<{ rung: VideoRungPlan; track: CmafTrack }>;
  audio: ReadonlyArray<{ plan: AudioPlan; track: CmafTrack }>;
  captions: readonly PackagedCaption[];
}

export function trackEndSeconds(track: CmafTrack): number {
  const last = track.segments.at(-1);
  return last ? (last.start + last.duration) / track.timescale : 0;
}

/** The programme's length: the end of its longest audio or video track. */
export function programmeSeconds(p: PackagedProgramme): number {
  return Math.max(0, ...p.videos.map((v) => trackEndSeconds(v.track)), ...p.audio.map((a) => trackEndSeconds(a.track)));
}

/** The longest media segment of any track, in seconds. */
export function maxSegmentSeconds(p: PackagedProgramme): number {
  const tracks = [...p.videos.map((v) => v.track), ...p.audio.map((a) => a.track)];
  return Math.max(0, ...tracks.flatMap((t) => t.segments.map((s) => s.duration / t.timescale)));
}

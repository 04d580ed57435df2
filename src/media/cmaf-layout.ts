import { mediaArgumentError } from './media-errors.js';

/**
 * Where a package's files go, relative to the packaging stage's output folder (SPEC §
 * Outputs): the segments once, under `cmaf/<rendition>/`, and the manifests that point at
 * them from `hls/` and `dash/`.
 *
 * ```
 * cmaf/<rendition>/init.mp4             one per video rung and audio rendition
 * cmaf/<rendition>/seg_00001.m4s …      its media segments, numbered from 1
 * cmaf/<caption>/<caption>.vtt|.ttml    one sidecar file per caption track and format
 * hls/master.m3u8, hls/<rendition>.m3u8
 * dash/manifest.mpd
 * ```
 */

export const HLS_MASTER = 'hls/master.m3u8';
export const DASH_MANIFEST = 'dash/manifest.mpd';

/** A rendition name is a folder and file name: refused unless it is plainly safe. */
export function checkRenditionName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw mediaArgumentError(`rendition name "${String(name)}" is not a safe folder name`);
  return name;
}

const pad5 = (n: number): string => String(n).padStart(5, '0');

export function cmafInitPath(name: string): string {
  return `cmaf/${checkRenditionName(name)}/init.mp4`;
}

export function cmafSegmentPath(name: string, number: number): string {
  return `cmaf/${checkRenditionName(name)}/seg_${pad5(number)}.m4s`;
}

/** The DASH SegmentTemplate `media` for a rendition (same names as `cmafSegmentPath`). */
export function cmafSegmentTemplate(name: string): string {
  return `cmaf/${checkRenditionName(name)}/seg_$Number%05d$.m4s`;
}

export function captionPath(name: string, format: 'webvtt' | 'imsc1'): string {
  const n = checkRenditionName(name);
  return `cmaf/${n}/${n}.${format === 'webvtt' ? 'vtt' : 'ttml'}`;
}

/** The media playlist of a rendition, beside the master: its URI in the master. */
export function hlsMediaPlaylistUri(name: string): string {
  return `${checkRenditionName(name)}.m3u8`;
}

export function hlsMediaPlaylistPath(name: string): string {
  return `hls/${hlsMediaPlaylistUri(name)}`;
}

/** A package path as referenced from a manifest in `hls/` or `dash/`. */
export function fromManifest(path: string): string {
  return `../${path}`;
}

/**
 * What the dash muxer writes in its scratch folder (package-args.ts): its own MPD, and per
 * output stream `i` (the map order) an init segment and numbered media segments. The
 * package stage moves them to the `cmaf/` names above and drops the rest.
 */
export const MUX_MANIFEST = 'manifest.mpd';
export const MUX_INIT_TEMPLATE = 'init-$RepresentationID$.m4s';
export const MUX_SEGMENT_TEMPLATE = 'chunk-$RepresentationID$-$Number%05d$.m4s';

export function muxInitName(stream: number): string {
  return `init-${stream}.m4s`;
}

export function muxSegmentName(stream: number, number: number): string {
  return `chunk-${stream}-${pad5(number)}.m4s`;
}

// What the preview player shows, whichever engine plays: filled by hls-engine.ts and
// dash-engine.ts from the engine's own state (never guessed from the manifest alone).
import type { Skipped } from './codecs';

export interface Rung {
  /** hls.js level index, or dash.js representation id */
  key: string;
  label: string;
}

/** An audio or text track the engine offers. */
export interface TrackOption {
  /** index in the engine's list */
  key: string;
  /** BCP 47 (`fr`), '' when the manifest gives none */
  language: string;
  /** the manifest's NAME / Label, e.g. "French 5.1" */
  label: string;
  /** channels, codec: what else tells two tracks apart */
  detail: string;
}

/** A rendition being played. */
export interface Playing {
  /** rung folder / representation id: `720p`, `audio-fr` */
  rendition: string;
  codec: string;
  height?: number;
  bandwidth?: number;
}

export interface PlayerView {
  rungs: Rung[];
  audio: TrackOption[];
  /** the engine's current audio track (key in `audio`), null before it has one */
  audioKey: string | null;
  text: TrackOption[];
  /** the engine's current text track (key in `text`), 'off' when none shows */
  textKey: string;
  video: Playing | null;
  /** the audio rendition whose segments play (after a switch: once the engine says so) */
  audioPlaying: Playing | null;
  skipped: Skipped[];
}

export const emptyView: PlayerView = { rungs: [], audio: [], audioKey: null, text: [], textKey: 'off', video: null, audioPlaying: null, skipped: [] };

/** What the engine does for the menus. */
export interface EngineSession {
  label: string;
  setRung(key: string): void;
  setAudio(key: string): void;
  setText(key: string): void;
  destroy(): void;
}

export interface EngineHooks {
  patch(p: Partial<PlayerView>): void;
  error(message: string): void;
}

export function rungLabel(height: number, bandwidth: number): string {
  return `${height}p · ${(bandwidth / 1e6).toFixed(2)} Mb/s`;
}

/** "2.0", "5.1" from a channel count ("2", "6", "6/JOC"). */
export function channelLayout(channels: string | undefined | null): string {
  const n = Number.parseInt(channels ?? '', 10);
  if (!Number.isFinite(n)) return '';
  if (n === 6) return '5.1';
  if (n === 8) return '7.1';
  if (n === 1) return 'mono';
  if (n === 2) return 'stereo';
  return `${n} ch`;
}

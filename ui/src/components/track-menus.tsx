// The player's audio and caption menus, what is playing, and what the engine skipped.
import { skippedLine, type Skipped } from './codecs';
import type { Playing, TrackOption } from './player-view';

function optionText(t: TrackOption): string {
  const lang = t.language && t.label.toLowerCase() !== t.language.toLowerCase() ? ` (${t.language})` : '';
  return `${t.label}${lang}${t.detail ? ` · ${t.detail}` : ''}`;
}

/** The audio tracks the engine offers (language and label); choosing one switches the engine's track. */
export function AudioMenu({ tracks, current, onChange }: { tracks: TrackOption[]; current: string | null; onChange: (key: string) => void }) {
  return (
    <label>
      Audio
      <select aria-label="Audio" value={current ?? ''} disabled={tracks.length === 0} onChange={(e) => onChange(e.currentTarget.value)}>
        {current === null && <option value="">{tracks.length ? '—' : 'none'}</option>}
        {tracks.map((t) => (
          <option key={t.key} value={t.key} data-language={t.language}>
            {optionText(t)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Captions and subtitles: Off, or one track shown by the browser over the picture. */
export function CaptionMenu({ tracks, current, onChange }: { tracks: TrackOption[]; current: string; onChange: (key: string) => void }) {
  return (
    <label>
      Captions
      <select aria-label="Captions" value={current} disabled={tracks.length === 0} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="off">Off</option>
        {tracks.map((t) => (
          <option key={t.key} value={t.key} data-language={t.language}>
            {optionText(t)}
          </option>
        ))}
      </select>
    </label>
  );
}

function playingText(p: Playing): string {
  const rate = p.bandwidth ? ` · ${(p.bandwidth / 1e6).toFixed(2)} Mb/s` : '';
  return `${p.rendition}${p.codec ? ` (${p.codec})` : ''}${rate}`;
}

/** "Playing 720p (avc1.64001f) · 1.60 Mb/s · audio audio-fr (mp4a.40.2)". */
export function NowPlaying({ video, audio }: { video: Playing | null; audio: Playing | null }) {
  if (!video && !audio) return null;
  return (
    <p class="player-playing small" aria-live="polite">
      <span class="muted">Playing</span> {video ? playingText(video) : '—'}
      {audio && (
        <>
          {' '}
          <span class="muted">· audio</span> {playingText(audio)}
        </>
      )}
    </p>
  );
}

/** Renditions the engine dropped because this browser cannot decode them: said, not an error. */
export function SkippedNote({ skipped, engine }: { skipped: Skipped[]; engine: string }) {
  if (skipped.length === 0) return null;
  return (
    <ul class="player-skipped small" aria-label="Not playable in this browser">
      {skipped.map((s) => (
        <li key={`${s.kind}-${s.family}`} data-family={s.family}>
          {skippedLine(s)} — skipped by {engine.split(' ')[0] || 'the player'}; the package still holds them for other players.
        </li>
      ))}
    </ul>
  );
}

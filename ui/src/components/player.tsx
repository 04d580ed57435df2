import { useEffect, useRef, useState } from 'preact/hooks';
import { startDash } from './dash-engine';
import { startHls } from './hls-engine';
import { emptyView, type EngineSession, type PlayerView } from './player-view';
import { AudioMenu, CaptionMenu, NowPlaying, SkippedNote } from './track-menus';

type Format = 'hls' | 'dash';

/**
 * The preview player: HLS through hls.js (never the browser's native HLS, so one code path is
 * exercised everywhere) and DASH through dash.js, both bundled. The rung selector lists the
 * video rungs only; the audio menu lists the engine's audio tracks (one per language, 5.1 ones
 * where the browser decodes them) and the captions menu its text tracks, Off first. What the
 * engine plays and what it skipped (renditions this browser cannot decode, such as HEVC in
 * Chromium on Linux) are shown, and mirrored in data attributes for tests.
 */
export function Player({ jobId, outputs }: { jobId: string; outputs: Record<string, string> }) {
  const formats = (['hls', 'dash'] as Format[]).filter((f) => outputs[f]);
  const [format, setFormat] = useState<Format | undefined>(formats[0]);
  const [view, setView] = useState<PlayerView>(emptyView);
  const [rung, setRung] = useState('auto');
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<string>('');
  const video = useRef<HTMLVideoElement>(null);
  const session = useRef<EngineSession | null>(null);

  useEffect(() => {
    const v = video.current;
    if (!v || !format) return;
    const url = `/api/v1/jobs/${encodeURIComponent(jobId)}/outputs/${outputs[format]}`;
    let gone = false;
    setView(emptyView);
    setRung('auto');
    setError(null);
    setEngine('');
    const hooks = {
      patch: (p: Partial<PlayerView>) => {
        if (!gone) setView((old) => ({ ...old, ...p }));
      },
      error: (message: string) => {
        if (!gone) setError(message);
      },
    };
    const start = format === 'hls' ? startHls : startDash;
    start(v, url, hooks, () => gone)
      .then((s) => {
        if (!s) return;
        if (gone) return s.destroy();
        session.current = s;
        setEngine(s.label);
      })
      .catch((err: unknown) => setError(`player failed to load: ${(err as Error).message}`));
    return () => {
      gone = true;
      session.current?.destroy();
      session.current = null;
      v.removeAttribute('src');
      v.load();
    };
  }, [jobId, format]);

  if (!format) return <p class="empty">This job has no playable output.</p>;
  const audio = view.audioKey === null ? undefined : view.audio.find((t) => t.key === view.audioKey);
  const text = view.text.find((t) => t.key === view.textKey);
  return (
    <div
      class="player"
      data-format={format}
      data-engine={engine}
      data-audio-tracks={view.audio.length}
      data-audio-language={audio?.language ?? ''}
      data-audio-rendition={view.audioPlaying?.rendition ?? ''}
      data-text-tracks={view.text.length}
      data-text-language={text ? text.language : 'off'}
      data-rendition={view.video?.rendition ?? ''}
      data-video-codec={view.video?.codec ?? ''}
      data-skipped={view.skipped.map((s) => `${s.family}:${s.names.join('+')}`).join(' ')}
    >
      <div class="player-controls">
        <fieldset class="segmented">
          <legend>Format</legend>
          {formats.map((f) => (
            <label key={f}>
              <input type="radio" name="format" value={f} checked={format === f} onChange={() => setFormat(f)} />
              {f === 'hls' ? 'HLS' : 'DASH'}
            </label>
          ))}
        </fieldset>
        <label>
          Rung
          <select
            aria-label="Rung"
            value={rung}
            onChange={(e) => {
              setRung(e.currentTarget.value);
              session.current?.setRung(e.currentTarget.value);
            }}
          >
            <option value="auto">auto (ABR)</option>
            {view.rungs.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <AudioMenu tracks={view.audio} current={view.audioKey} onChange={(key) => session.current?.setAudio(key)} />
        <CaptionMenu tracks={view.text} current={view.textKey} onChange={(key) => session.current?.setText(key)} />
        <span class="muted small">{engine}</span>
      </div>
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      <SkippedNote skipped={view.skipped} engine={engine} />
      <NowPlaying video={view.video} audio={view.audioPlaying} />
      {/* One element per engine: text tracks an engine added to the element go with it. */}
      <video key={format} ref={video} controls muted playsInline aria-label={`Preview of job ${jobId} (${format.toUpperCase()})`} />
    </div>
  );
}

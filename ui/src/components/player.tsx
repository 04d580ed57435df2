import { useEffect, useRef, useState } from 'preact/hooks';

type Format = 'hls' | 'dash';
interface Rung {
  /** hls.js level index, or dash.js representation id */
  key: string;
  label: string;
}

function rungLabel(height: number, bandwidth: number): string {
  return `${height}p · ${(bandwidth / 1e6).toFixed(2)} Mb/s`;
}

/**
 * The preview player: HLS through hls.js (never the browser's native HLS, so one code path is
 * exercised everywhere) and DASH through dash.js, both bundled; the rung selector lists the
 * video rungs only (the master playlist's audio-only variant is not a rung).
 */
export function Player({ jobId, outputs }: { jobId: string; outputs: Record<string, string> }) {
  const formats = (['hls', 'dash'] as Format[]).filter((f) => outputs[f]);
  const [format, setFormat] = useState<Format | undefined>(formats[0]);
  const [rungs, setRungs] = useState<Rung[]>([]);
  const [rung, setRung] = useState('auto');
  const [error, setError] = useState<string | null>(null);
  const [engine, setEngine] = useState<string>('');
  const video = useRef<HTMLVideoElement>(null);
  const select = useRef<(key: string) => void>(() => undefined);

  useEffect(() => {
    const v = video.current;
    if (!v || !format) return;
    const url = `/api/v1/jobs/${encodeURIComponent(jobId)}/outputs/${outputs[format]}`;
    let destroy = () => undefined as void;
    let gone = false;
    setRungs([]);
    setRung('auto');
    setError(null);
    setEngine('');
    (async () => {
      if (format === 'hls') {
        const { default: Hls } = await import('hls.js');
        if (gone) return;
        if (!Hls.isSupported()) {
          setError('This browser has no Media Source Extensions: hls.js cannot play here.');
          return;
        }
        const hls = new Hls({ enableWorker: true });
        destroy = () => hls.destroy();
        hls.on(Hls.Events.MANIFEST_PARSED, () => {
          setRungs(
            hls.levels
              .map((l, i) => ({ l, i }))
              .filter(({ l }) => l.height > 0 && l.width > 0)
              .sort((a, b) => b.l.height - a.l.height)
              .map(({ l, i }) => ({ key: String(i), label: rungLabel(l.height, l.bitrate) })),
          );
        });
        hls.on(Hls.Events.ERROR, (_e, data) => {
          if (data.fatal) setError(`hls.js: ${data.type} ${data.details}`);
        });
        select.current = (key) => {
          hls.currentLevel = key === 'auto' ? -1 : Number(key);
        };
        hls.loadSource(url);
        hls.attachMedia(v);
        setEngine(`hls.js ${Hls.version}`);
      } else {
        const dashjs = await import('dashjs');
        if (gone) return;
        const player = dashjs.MediaPlayer().create();
        // Live manifests would sync clocks with a public time server by default: use this appliance's Date header.
        player.updateSettings({
          streaming: { utcSynchronization: { defaultTimingSource: { scheme: 'urn:mpeg:dash:utc:http-head:2014', value: `${location.origin}/healthz` } } },
        });
        destroy = () => player.destroy();
        player.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
          setRungs(
            player
              .getRepresentationsByType('video')
              .filter((r) => r.height > 0)
              .sort((a, b) => b.height - a.height)
              .map((r) => ({ key: r.id, label: rungLabel(r.height, r.bandwidth) })),
          );
        });
        player.on(dashjs.MediaPlayer.events.ERROR, (e: unknown) => {
          const err = (e as { error?: { message?: string; code?: number } }).error;
          setError(`dash.js: ${err?.message ?? err?.code ?? 'playback error'}`);
        });
        select.current = (key) => {
          player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: key === 'auto' } } } });
          if (key !== 'auto') player.setRepresentationForTypeById('video', key, true);
        };
        player.initialize(v, url, false);
        setEngine(`dash.js ${player.getVersion()}`);
      }
    })().catch((err: unknown) => setError(`player failed to load: ${(err as Error).message}`));
    return () => {
      gone = true;
      destroy();
      select.current = () => undefined;
      v.removeAttribute('src');
      v.load();
    };
  }, [jobId, format]);

  if (!format) return <p class="empty">This job has no playable output.</p>;
  return (
    <div class="player" data-format={format} data-engine={engine}>
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
              select.current(e.currentTarget.value);
            }}
          >
            <option value="auto">auto (ABR)</option>
            {rungs.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <span class="muted small">{engine}</span>
      </div>
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      <video ref={video} controls muted playsInline aria-label={`Preview of job ${jobId} (${format.toUpperCase()})`} />
    </div>
  );
}

// HLS in hls.js (never the browser's native HLS, so one code path is exercised everywhere):
// video rungs, the audio renditions of the current variant's group (EXT-X-MEDIA TYPE=AUDIO),
// the WebVTT subtitle renditions (TYPE=SUBTITLES, rendered by the browser as native text tracks),
// and the variants hls.js dropped because Media Source cannot decode one of their codecs.
// Segment requests are hls.js' XHRs to the same origin: the session cookie goes with them, for
// `../cmaf/…` segments and `.vtt` files alike.
import type { LevelParsed } from 'hls.js';
import { browserDecodes, playlistName, skippedRenditions, splitCodecs, type ManifestRendition } from './codecs';
import { channelLayout, rungLabel, type EngineHooks, type EngineSession, type TrackOption } from './player-view';

export async function startHls(video: HTMLVideoElement, url: string, hooks: EngineHooks, gone: () => boolean): Promise<EngineSession | null> {
  const { default: Hls } = await import('hls.js');
  if (gone()) return null;
  if (!Hls.isSupported()) {
    hooks.error('This browser has no Media Source Extensions: hls.js cannot play here.');
    return null;
  }
  const hls = new Hls({ enableWorker: true });
  const tracks = keepTrackSourcesLocal(video);
  let offeredLevels: ManifestRendition[] = [];

  const audioOptions = (): TrackOption[] =>
    hls.audioTracks.map((t, i) => ({
      key: String(i),
      language: t.lang ?? '',
      label: t.name || t.lang || `Track ${i + 1}`,
      detail: [channelLayout(t.channels), t.audioCodec].filter(Boolean).join(' · '),
    }));
  const audioState = () => ({ audio: audioOptions(), audioKey: hls.audioTrack >= 0 ? String(hls.audioTrack) : null });
  const textState = () => ({
    text: hls.subtitleTracks.map((t, i) => ({
      key: String(i),
      language: t.lang ?? '',
      label: t.name || t.lang || `Subtitles ${i + 1}`,
      detail: t.forced ? 'forced' : '',
    })),
    textKey: hls.subtitleTrack >= 0 && hls.subtitleDisplay ? String(hls.subtitleTrack) : 'off',
  });
  const currentAudioCodec = () => hls.levels[hls.currentLevel]?.audioCodec ?? hls.levels[0]?.audioCodec ?? '';

  // hls.js drops the variants Media Source cannot decode while MANIFEST_LOADED is dispatched (its
  // level controller listens first and fires MANIFEST_PARSED from there): compare after it.
  hls.on(Hls.Events.MANIFEST_LOADED, (_e, data) => {
    const offered = data.levels
      .filter((l: LevelParsed) => !l.iframes && (l.videoCodec || (l.width ?? 0) > 0))
      .map((l: LevelParsed) => ({ name: playlistName(l.url), codecs: splitCodecs(l.attrs.CODECS) }));
    const kept = new Set((hls.levels ?? []).map((l) => playlistName(l.uri)));
    hooks.patch({ skipped: skippedRenditions(offered, kept, browserDecodes) });
    offeredLevels = offered;
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    hooks.patch({
      rungs: hls.levels
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => l.height > 0 && l.width > 0)
        .sort((a, b) => b.l.height - a.l.height)
        .map(({ l, i }) => ({ key: String(i), label: rungLabel(l.height, l.bitrate) })),
      ...audioState(),
      ...textState(),
    });
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, { level }) => {
    const l = hls.levels[level];
    if (l) hooks.patch({ video: { rendition: playlistName(l.uri), codec: l.videoCodec ?? '', height: l.height, bandwidth: l.bitrate } });
  });
  for (const ev of [Hls.Events.AUDIO_TRACKS_UPDATED, Hls.Events.AUDIO_TRACK_SWITCHING] as const) hls.on(ev, () => hooks.patch(audioState()));
  hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (_e, track) => {
    hooks.patch({ ...audioState(), audioPlaying: { rendition: playlistName(track.url), codec: track.audioCodec ?? currentAudioCodec() } });
  });
  for (const ev of [Hls.Events.SUBTITLE_TRACKS_UPDATED, Hls.Events.SUBTITLE_TRACK_SWITCH] as const) hls.on(ev, () => hooks.patch(textState()));
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    if (data.details === Hls.ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
      hooks.patch({ skipped: skippedRenditions(offeredLevels, new Set(), browserDecodes) });
      hooks.error('hls.js: no variant of this output can be decoded by this browser.');
    } else hooks.error(`hls.js: ${data.type} ${data.details}`);
  });

  hls.loadSource(url);
  hls.attachMedia(video);
  return {
    label: `hls.js ${Hls.version}`,
    setRung(key) {
      hls.currentLevel = key === 'auto' ? -1 : Number(key);
    },
    setAudio(key) {
      hls.audioTrack = Number(key);
      hooks.patch(audioState());
    },
    setText(key) {
      if (key === 'off') {
        hls.subtitleTrack = -1;
        hls.subtitleDisplay = false;
      } else {
        hls.subtitleDisplay = true;
        hls.subtitleTrack = Number(key);
      }
      hooks.patch(textState());
    },
    destroy: () => {
      hls.destroy();
      tracks.disconnect();
    },
  };
}

/**
 * hls.js gives each `<track>` it adds a `data:,WEBVTT` source (an empty WebVTT file: Chrome's
 * captions menu and Safari need one). This page's Content-Security-Policy allows media from the
 * appliance and `blob:` only, so Chromium would refuse that source with a console error when the
 * track is shown: the same empty file as a blob URL is allowed. Cues are added by hls.js either way.
 */
function keepTrackSourcesLocal(video: HTMLVideoElement): { disconnect(): void } {
  const empty = URL.createObjectURL(new Blob(['WEBVTT\n'], { type: 'text/vtt' }));
  const swap = (node: Node) => {
    if (node instanceof HTMLTrackElement && node.getAttribute('src')?.startsWith('data:')) node.src = empty;
  };
  const observer = new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(swap)));
  observer.observe(video, { childList: true });
  video.querySelectorAll('track').forEach(swap);
  return {
    disconnect() {
      observer.disconnect();
      URL.revokeObjectURL(empty);
    },
  };
}

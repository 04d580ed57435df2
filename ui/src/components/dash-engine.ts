// DASH in dash.js: video representations of the current adaptation set, one audio adaptation
// set per language (setCurrentTrack), the text adaptation sets (a sidecar WebVTT or TTML file
// each, rendered by the browser as native text tracks; off until chosen), and the
// representations dash.js' capabilities filter removed because Media Source cannot decode them.
// Requests go to the same origin with the session cookie, as for HLS.
import type { MediaInfo, MediaPlayerClass, Representation, TextTrackInfo } from 'dashjs';
import { browserDecodes, skippedRenditions, splitCodecs, type ManifestRendition } from './codecs';
import { channelLayout, rungLabel, type EngineHooks, type EngineSession, type Playing, type TrackOption } from './player-view';

interface ParsedManifest {
  Period?: ParsedSet<{ AdaptationSet?: ParsedSet<ParsedAdaptationSet> }>;
}
type ParsedSet<T> = T[] | T | undefined;
interface ParsedAdaptationSet {
  contentType?: string;
  mimeType?: string;
  codecs?: string;
  Representation?: ParsedSet<{ id?: string; codecs?: string; mimeType?: string }>;
}

const list = <T>(x: ParsedSet<T>): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every audio and video representation of the MPD object dash.js parsed (its capabilities filter removes from this object). */
function renditionsOf(manifest: unknown): ManifestRendition[] {
  const out: ManifestRendition[] = [];
  for (const period of list((manifest as ParsedManifest | null)?.Period))
    for (const set of list(period.AdaptationSet)) {
      const type = set.contentType ?? set.mimeType?.split('/')[0];
      for (const r of list(set.Representation)) {
        const kind = type ?? r.mimeType?.split('/')[0];
        if ((kind === 'video' || kind === 'audio') && r.id) out.push({ name: r.id, codecs: splitCodecs(r.codecs ?? set.codecs) });
      }
    }
  return out;
}

const playing = (r: Representation | null | undefined): Playing | null =>
  r ? { rendition: r.id, codec: r.codecs ?? '', height: r.height || undefined, bandwidth: r.bandwidth } : null;

function trackLabel(t: MediaInfo, fallback: string): string {
  return t.labels?.[0]?.text || t.lang || fallback;
}

export async function startDash(video: HTMLVideoElement, url: string, hooks: EngineHooks, gone: () => boolean): Promise<EngineSession | null> {
  const dashjs = await import('dashjs');
  if (gone()) return null;
  const player: MediaPlayerClass = dashjs.MediaPlayer().create();
  const events = dashjs.MediaPlayer.events;
  player.updateSettings({
    streaming: {
      // Live manifests would sync clocks with a public time server by default: use this appliance's Date header.
      utcSynchronization: { defaultTimingSource: { scheme: 'urn:mpeg:dash:utc:http-head:2014', value: `${location.origin}/healthz` } },
      // Captions start off, as hls.js starts them (no track is DEFAULT=YES): the operator picks one.
      text: { defaultEnabled: false },
    },
  });
  let offered: ManifestRendition[] = [];
  let textTracks: TextTrackInfo[] = [];

  const audioTracks = () => player.getTracksFor('audio');
  const audioState = () => {
    const tracks = audioTracks();
    const current = player.getCurrentTrackFor('audio');
    const index = current ? tracks.findIndex((t) => t === current || (t.id !== null && t.id === current.id && t.index === current.index)) : -1;
    return {
      audio: tracks.map((t, i): TrackOption => ({
        key: String(i),
        language: t.lang ?? '',
        label: trackLabel(t, `Track ${i + 1}`),
        detail: [channelLayout(t.audioChannelConfiguration?.[0]?.value as string | undefined), t.codec?.replace(/^.*codecs="?([^"]+)"?$/, '$1')]
          .filter(Boolean)
          .join(' · '),
      })),
      audioKey: index >= 0 ? String(index) : null,
    };
  };
  const textState = () => {
    const idx = player.getCurrentTextTrackIndex();
    return {
      text: textTracks.map((t, i): TrackOption => ({
        key: String(i),
        language: t.lang ?? '',
        label: trackLabel(t, t.label || `Subtitles ${i + 1}`),
        detail: t.kind === 'captions' ? 'captions' : '',
      })),
      textKey: player.isTextEnabled() && Number.isInteger(idx) && idx >= 0 ? String(idx) : 'off',
    };
  };

  player.on(events.MANIFEST_LOADED, (e) => {
    // Before the capabilities filter: the MPD as written.
    offered = renditionsOf((e as unknown as { data: unknown }).data);
  });
  player.on(events.STREAM_INITIALIZED, () => {
    const kept = new Set(renditionsOf(player.getManifest()).map((r) => r.name));
    hooks.patch({
      rungs: player
        .getRepresentationsByType('video')
        .filter((r) => r.height > 0)
        .sort((a, b) => b.height - a.height)
        .map((r) => ({ key: r.id, label: rungLabel(r.height, r.bandwidth) })),
      skipped: skippedRenditions(offered, kept, browserDecodes),
      video: playing(player.getCurrentRepresentationForType('video')),
      audioPlaying: playing(player.getCurrentRepresentationForType('audio')),
      ...audioState(),
      ...textState(),
    });
  });
  player.on(events.TEXT_TRACKS_ADDED, (e) => {
    // dash.js' own list: setTextTrack takes an index in it.
    textTracks = (e as unknown as { tracks: TextTrackInfo[] }).tracks ?? [];
    hooks.patch(textState());
  });
  player.on(events.NEW_TRACK_SELECTED, () => hooks.patch({ ...audioState(), ...textState() }));
  player.on(events.TRACK_CHANGE_RENDERED, (e) => {
    if ((e as unknown as { mediaType: string }).mediaType === 'audio')
      hooks.patch({ ...audioState(), audioPlaying: playing(player.getCurrentRepresentationForType('audio')) });
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    const { mediaType, newRepresentation } = e as unknown as { mediaType: string; newRepresentation: Representation };
    if (mediaType === 'video') hooks.patch({ video: playing(newRepresentation) });
    if (mediaType === 'audio') hooks.patch({ audioPlaying: playing(newRepresentation) });
  });
  player.on(events.FRAGMENT_LOADING_COMPLETED, (e) => {
    // dash.js puts a text file's cues on the track as playback time moves; paused, time does not
    // move, and captions chosen before play would stay blank: a seek to where the video stands
    // (after dash.js has read the file) makes it place them.
    if ((e as unknown as { request?: { mediaType?: string } }).request?.mediaType !== 'text') return;
    setTimeout(() => {
      if (gone() || !video.paused || video.seeking) return;
      const at = video.currentTime;
      video.currentTime = at;
    }, 0);
  });
  player.on(events.ERROR, (e: unknown) => {
    const err = (e as { error?: { message?: string; code?: number } }).error;
    hooks.error(`dash.js: ${err?.message ?? err?.code ?? 'playback error'}`);
  });

  player.initialize(video, url, false);
  return {
    label: `dash.js ${player.getVersion()}`,
    setRung(key) {
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: key === 'auto' } } } });
      if (key !== 'auto') player.setRepresentationForTypeById('video', key, true);
    },
    setAudio(key) {
      const track = audioTracks()[Number(key)];
      if (track) player.setCurrentTrack(track);
      hooks.patch(audioState());
    },
    setText(key) {
      player.setTextTrack(key === 'off' ? -1 : Number(key));
      hooks.patch(textState());
    },
    destroy: () => player.destroy(),
  };
}

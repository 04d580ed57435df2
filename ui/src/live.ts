// Live events over /ws (the session cookie authenticates it), reconnecting with back-off.

import type { LiveMessage } from './api';

/** What `/ws` sends: the greeting, then live events (the server's own types, src/http/schemas/live.ts). */
export type LiveEvent = LiveMessage;

export type LiveStatus = 'connecting' | 'live' | 'offline';

export function subscribeLive(onEvent: (e: LiveEvent) => void, onStatus: (s: LiveStatus) => void, job?: string): () => void {
  let ws: WebSocket | undefined;
  let closed = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connect = () => {
    onStatus('connecting');
    const url = new URL(`/ws${job ? `?job=${encodeURIComponent(job)}` : ''}`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(url, ['mpegflow.v1']);
    ws.onopen = () => {
      delay = 500;
      onStatus('live');
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as LiveEvent);
      } catch {
        // ignore a message that is not JSON
      }
    };
    ws.onclose = () => {
      if (closed) return;
      onStatus('offline');
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}

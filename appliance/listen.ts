import type { ServerType, WebSocketServerLike } from '@hono/node-server';
import { bindPort } from '../src/http/bind-port.js';

/** Starts the HTTP server; a port in use (no wait) or an unusable address is one clear error. */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  options: { websocket?: WebSocketServerLike } = {},
): Promise<{ server: ServerType; port: number }> {
  return bindPort(fetch, host, port, options);
}

import { createAdaptorServer, type ServerType, type WebSocketServerLike } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { ApplianceError } from '../src/errors/appliance-error.js';

/** Starts the HTTP server; a port in use or an unusable address is one clear error. */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  options: { websocket?: WebSocketServerLike } = {},
): Promise<{ server: ServerType; port: number }> {
  const server = createAdaptorServer({ fetch, ...(options.websocket ? { websocket: { server: options.websocket } } : {}) });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new ApplianceError('PORT_IN_USE', `MPEGFLOW_PORT: ${host}:${port} is already in use by another process`, { cause: err }));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new ApplianceError('CONFIG_INVALID', `MPEGFLOW_HOST: ${host} is not an address of this host`, { cause: err }));
      } else if (err.code === 'EACCES') {
        reject(new ApplianceError('CONFIG_INVALID', `MPEGFLOW_PORT: not allowed to listen on ${host}:${port} (EACCES)`, { cause: err }));
      } else {
        reject(new ApplianceError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      }
    });
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

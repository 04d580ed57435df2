import { createAdaptorServer, type ServerType, type WebSocketServerLike } from '@hono/node-server';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApplianceError } from '../errors/appliance-error.js';
import { describeHolders, portHolders, type PortHolder } from './port-holder.js';

/** HTTPS: the certificate (leaf then chain) and key, PEM, and the lowest TLS version accepted. */
export interface ServerTlsOptions {
  cert: string;
  key: string;
  minVersion: 'TLSv1.3' | 'TLSv1.2';
}

/** Node's HTTPS server options for the operator port: no TLS below `minVersion`, never renegotiation. */
export function httpsServerOptions(tls: ServerTlsOptions): HttpsServerOptions {
  return { cert: tls.cert, key: tls.key, minVersion: tls.minVersion, honorCipherOrder: true };
}

export interface BindOptions {
  websocket?: WebSocketServerLike;
  /** Serve HTTPS with this certificate; absent: plain HTTP (the config allows that on loopback only). */
  tls?: ServerTlsOptions;
  /** How long a port in use is waited for (re-tried), e.g. while a killed appliance still exits; 0: fail at once. */
  waitMs?: number;
  /** Pause between tries. Default 250 ms. */
  retryMs?: number;
  /** Called once when the port is found in use and the wait begins, with who holds it. */
  onWait?: (holders: PortHolder[]) => void;
}

function listenOnce(
  fetch: (req: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  websocket: WebSocketServerLike | undefined,
  tls: ServerTlsOptions | undefined,
): Promise<{ server: ServerType; port: number }> {
  const server = createAdaptorServer({
    fetch,
    ...(tls ? { createServer: createHttpsServer, serverOptions: httpsServerOptions(tls) } : {}),
    ...(websocket ? { websocket: { server: websocket } } : {}),
  });
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

/**
 * Binds the HTTP port, the first thing a start does. A port in use is re-tried for
 * `waitMs` (a killed appliance can hold it for seconds while the kernel tears it down);
 * then PORT_IN_USE names who holds it, when /proc shows it. Other errors fail at once.
 */
export async function bindPort(
  fetch: (req: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  options: BindOptions = {},
): Promise<{ server: ServerType; port: number }> {
  const started = Date.now();
  const waitMs = options.waitMs ?? 0;
  let waiting = false;
  for (;;) {
    try {
      return await listenOnce(fetch, host, port, options.websocket, options.tls);
    } catch (err) {
      if (!(err instanceof ApplianceError) || err.code !== 'PORT_IN_USE') throw err;
      const elapsed = Date.now() - started;
      if (elapsed >= waitMs) {
        const holders = portHolders(port);
        throw new ApplianceError(
          'PORT_IN_USE',
          `MPEGFLOW_PORT: ${host}:${port} is in use by another process${waitMs > 0 ? ` (waited ${Math.round(elapsed / 100) / 10} s)` : ''}; held by ${describeHolders(holders)}`,
          { cause: err, details: { host, port, holders } },
        );
      }
      if (!waiting) {
        waiting = true;
        options.onWait?.(portHolders(port));
      }
      await new Promise((r) => setTimeout(r, Math.min(options.retryMs ?? 250, Math.max(1, waitMs - elapsed))));
    }
  }
}

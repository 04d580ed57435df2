import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

export interface PutReceiver<T> {
  /** `http://127.0.0.1:PORT/<random>`: the only URL it answers. */
  url: string;
  /** The stored result of the one PUT, once it has ended (rejects when it failed or never came). */
  result(): Promise<T>;
  /** Whether a PUT has arrived. */
  received(): boolean;
  close(): Promise<void>;
}

/**
 * A worker's write to an encrypted store: one PUT to a loopback URL, streamed into `store`
 * (sealed as it arrives; no plaintext file). Listens on 127.0.0.1 on a random port, answers a
 * single unguessable path, one PUT only, and refuses any peer that is not loopback.
 */
export async function receivePut<T>(store: (body: Readable) => Promise<T>): Promise<PutReceiver<T>> {
  const path = `/${randomBytes(16).toString('hex')}`;
  let pending: Promise<T> | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const peer = req.socket.remoteAddress ?? '';
    if (peer !== '127.0.0.1' && peer !== '::ffff:127.0.0.1') return void res.writeHead(403).end();
    if (req.url !== path) return void res.writeHead(404).end();
    if (req.method !== 'PUT') return void res.writeHead(405, { allow: 'PUT' }).end();
    if (pending !== undefined) return void res.writeHead(409).end();
    pending = store(req);
    pending.then(
      () => res.writeHead(200).end(),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).message),
    );
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received: () => pending !== undefined,
    result: () => pending ?? Promise.reject(new Error('nothing was written to this URL')),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { connect as netConnect } from 'node:net';
import { createServer, type Server } from 'node:tls';

/**
 * A TLS front for a plain TCP server on loopback (as a facility's TLS terminator would be):
 * TLS with `cert`/`key` on a free port, bytes passed through to `targetPort`.
 */
export async function tlsProxy(targetPort: number, tls: { cert: string; key: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.3' }, (client) => {
    const upstream = netConnect(targetPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

import { isLoopbackHost } from '../config/loopback.js';
import type { Config } from '../config/schema.js';

/** One connection the appliance makes or takes, and whether its bytes cross it in clear. */
export interface TransportHop {
  name: 'operator' | 'database' | 'objectStore' | 'webhooks';
  /** Bytes cross a network in clear on this hop (plain HTTP, S3 over http://, PostgreSQL without TLS). */
  inClear: boolean;
  /** Every in-clear connection stays on this host (loopback). */
  loopbackOnly: boolean;
  detail: string;
}

/**
 * Which hops are TLS and which are in clear, from the config and the webhook targets
 * registered now (shown by `/healthz` and `mpegflow doctor`; no URL or secret in it).
 */
export function transportHops(config: Pick<Config, 'http' | 'tls' | 'database' | 'storage'>, webhookUrls: readonly string[]): TransportHop[] {
  const hops: TransportHop[] = [];
  hops.push(
    config.tls.mode === 'plain'
      ? { name: 'operator', inClear: true, loopbackOnly: isLoopbackHost(config.http.host), detail: `plain HTTP on ${config.http.host} (loopback only)` }
      : {
          name: 'operator',
          inClear: false,
          loopbackOnly: false,
          detail: `HTTPS, ${config.tls.minVersion} and up, ${config.tls.mode === 'facility' ? "the facility's certificate" : 'a certificate of the appliance CA'}`,
        },
  );
  if (config.database.kind === 'sqlite')
    hops.push({ name: 'database', inClear: false, loopbackOnly: true, detail: 'SQLite file on this host (no network hop)' });
  else {
    const url = new URL(config.database.url);
    const mode = url.searchParams.get('sslmode') ?? 'prefer';
    const verified = mode === 'verify-full' || mode === 'verify-ca' || mode === 'require';
    hops.push({ name: 'database', inClear: !verified, loopbackOnly: isLoopbackHost(url.hostname), detail: `PostgreSQL at ${url.hostname}, sslmode=${mode}` });
  }
  const s = config.storage;
  if (s.kind === 'embedded') hops.push({ name: 'objectStore', inClear: false, loopbackOnly: true, detail: 'embedded, on this host (no network hop)' });
  else if (s.kind === 'bundled-s3')
    hops.push({ name: 'objectStore', inClear: true, loopbackOnly: true, detail: `bundled S3 server over http on ${s.host} (loopback)` });
  else {
    const url = new URL(s.endpoint);
    hops.push(
      url.protocol === 'https:'
        ? {
            name: 'objectStore',
            inClear: false,
            loopbackOnly: false,
            detail: `S3 over https, verified against ${s.caFile !== null ? 'MPEGFLOW_S3_CA_FILE' : "the host's CAs"}`,
          }
        : { name: 'objectStore', inClear: true, loopbackOnly: isLoopbackHost(url.hostname), detail: `S3 over http at ${url.hostname}` },
    );
  }
  const plain = webhookUrls.filter((u) => u.startsWith('http:'));
  hops.push({
    name: 'webhooks',
    inClear: plain.length > 0,
    loopbackOnly: plain.every((u) => isLoopbackHost(new URL(u).hostname)),
    detail: webhookUrls.length === 0 ? 'no targets' : `${webhookUrls.length} target(s), ${plain.length} over plain http`,
  });
  return hops;
}

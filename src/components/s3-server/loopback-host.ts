import { isIP } from 'node:net';
import { componentConfigInvalid, notLoopback } from './component-errors.js';

/**
 * The host the S3 server may listen on: a literal loopback address, 127.0.0.0/8 or ::1.
 * Names (even `localhost`) are refused: what a name resolves to is not ours to decide.
 * Throws COMPONENT_NOT_LOOPBACK; returns the address in canonical form.
 */
export function loopbackHost(host: string): string {
  const version = isIP(host);
  if (version === 4) {
    if (host.split('.')[0] === '127') return host;
    throw notLoopback(host);
  }
  if (version === 6) {
    let canonical: string;
    try {
      canonical = new URL(`http://[${host}]/`).hostname;
    } catch {
      throw notLoopback(host);
    }
    if (canonical === '[::1]') return '::1';
    throw notLoopback(host);
  }
  throw notLoopback(host);
}

/** A TCP port number, 1–65535 (COMPONENT_CONFIG_INVALID otherwise). */
export function validPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw componentConfigInvalid(`S3 server port must be an integer 1–65535, got ${String(port)}`);
  return port;
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

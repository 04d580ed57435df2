import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { dataLayout } from '../../appliance/data-layout.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { isErrorCode } from '../errors/error-codes.js';
import type { Config } from '../config/schema.js';
import { isCertificateError } from '../tls/certificate-errors.js';
import type { ProgressLine } from './submit-progress.js';

/**
 * The CLI as a client of a running appliance's API (`mpegflow submit`, `mpegflow ladders`):
 * where it is, the token, HTTPS verified against the appliance's CA, JSON calls and streamed
 * uploads; every refusal an ApplianceError with the server's code.
 */

/** How to reach the appliance: `--url`, `--token`, `--ca`. */
export interface ClientOptions {
  /** `--url`; default from MPEGFLOW_HOST / MPEGFLOW_PORT. */
  url?: string;
  /** `--token`, else MPEGFLOW_TOKEN, else `<data>/secrets/admin.token` when readable. */
  token?: string;
  /** `--ca FILE`: the CA (PEM) the appliance's HTTPS certificate is checked against; default: this appliance's CA when the URL comes from the config. */
  ca?: string;
}

/** Where the appliance is and how to talk to it. */
export interface Connection {
  base: string;
  token: string;
  /** PEM CA certificates to verify HTTPS against (undefined: the system's). */
  ca: string | undefined;
}

/** The server's base URL: `--url`, or the configured listen address (a wildcard address means this host). */
export function serverUrl(url: string | undefined, config: Pick<Config, 'http' | 'tls'> | undefined): string {
  if (url) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ApplianceError('USAGE', `--url: not a URL: ${url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApplianceError('USAGE', `--url: expected http:// or https://, got ${u.protocol}`);
    return u.origin;
  }
  const host = config?.http.host ?? '127.0.0.1';
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const scheme = config?.tls.mode === 'plain' ? 'http' : 'https';
  return `${scheme}://${local.includes(':') ? `[${local}]` : local}:${config?.http.port ?? 8080}`;
}

async function resolveToken(options: ClientOptions, env: NodeJS.ProcessEnv, config: () => Promise<Config>): Promise<string> {
  if (options.token) return options.token;
  const fromEnv = env['MPEGFLOW_TOKEN'];
  if (fromEnv) return fromEnv;
  const file = dataLayout((await config()).dataDir).adminToken;
  if (existsSync(file)) {
    try {
      const token = readFileSync(file, 'utf8').trim();
      if (token) return token;
    } catch {
      // not readable by this user: fall through
    }
  }
  throw new ApplianceError('USAGE', `no API token: pass --token TOKEN or set MPEGFLOW_TOKEN (or run as a user who can read ${file})`);
}

/** `--ca FILE`, else this appliance's own CA when the URL came from its config and it has one. */
function resolveCa(options: ClientOptions, config: Config | undefined): string | undefined {
  if (options.ca !== undefined) {
    try {
      return readFileSync(options.ca, 'utf8');
    } catch (err) {
      throw new ApplianceError('FILE_UNREADABLE', `--ca: cannot read ${options.ca}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
    }
  }
  if (!config || config.tls.mode !== 'appliance-ca') return undefined;
  const own = dataLayout(config.dataDir).tlsCaCert;
  return existsSync(own) ? readFileSync(own, 'utf8') : undefined;
}

/** The connection of `--url`/`--token`/`--ca` (the configuration is loaded only when one of them must come from it). */
export async function connect(options: ClientOptions, config: () => Promise<Config>, env: NodeJS.ProcessEnv): Promise<Connection> {
  const cfg = options.url ? undefined : await config();
  return { base: serverUrl(options.url, cfg), token: await resolveToken(options, env, config), ca: resolveCa(options, cfg) };
}

/**
 * One error from an API error body `{"error":{"code","message","details"}}`, its message
 * `what: CODE: message`; `details` kept (with the HTTP `status`), e.g. `LADDER_INVALID`'s problems.
 */
export function apiError(status: number, text: string, what: string): ApplianceError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    const code = body.error?.code;
    const details = body.error?.details;
    // The server's own code when this build knows it; a newer server's unknown code stays in the message.
    if (code) {
      return new ApplianceError(isErrorCode(code) ? code : 'HTTP_ERROR', `${what}: ${code}: ${body.error?.message ?? ''}`, {
        details: { ...(details !== null && typeof details === 'object' ? details : {}), status },
      });
    }
  } catch {
    // not JSON
  }
  return new ApplianceError('HTTP_ERROR', `${what}: HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, { details: { status } });
}

function unreachable(base: string, err: unknown): ApplianceError {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  if (isCertificateError(cause)) {
    return new ApplianceError(
      'TLS_UNTRUSTED',
      `the appliance at ${base} presented a certificate this client does not trust (${cause}); pass --ca FILE with the appliance's CA (\`mpegflow tls ca-cert\` on the appliance prints it)`,
      { cause: err },
    );
  }
  return new ApplianceError(
    'SERVER_UNREACHABLE',
    `cannot reach the appliance at ${base} (${cause ?? messageOf(err)}); start it with \`mpegflow start\` or pass --url`,
    { cause: err },
  );
}

/** A request to the appliance (HTTP or HTTPS, verified against `conn.ca`); the caller ends it. */
function send(conn: Connection, method: string, path: string, headers: Record<string, string>): ClientRequest {
  const url = new URL(`${conn.base}${path}`);
  const options = { method, headers: { authorization: `Bearer ${conn.token}`, ...headers } };
  return url.protocol === 'https:' ? httpsRequest(url, { ...options, ...(conn.ca ? { ca: conn.ca } : {}) }) : httpRequest(url, options);
}

/** The status and text of a request's answer. */
function answer(conn: Connection, req: ClientRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => reject(unreachable(conn.base, err)));
    });
    req.on('error', (err) => reject(unreachable(conn.base, err)));
  });
}

/** A JSON call; a status outside 2xx is the server's error (`what: CODE: message`). */
export async function api<T>(conn: Connection, method: string, path: string, what: string, body?: unknown): Promise<{ status: number; body: T }> {
  const req = send(conn, method, path, body !== undefined ? { 'content-type': 'application/json' } : {});
  const answered = answer(conn, req);
  req.end(body !== undefined ? JSON.stringify(body) : undefined);
  const { status, text } = await answered;
  if (status < 200 || status > 299) throw apiError(status, text, what);
  return { status, body: JSON.parse(text) as T };
}

/** What `PUT /api/v1/inputs/{name}` answers. */
export interface Uploaded {
  key: string;
  sha256: string;
  size: number;
}

/** Streams the file as the request body of `PUT /api/v1/inputs/{name}` (never read into memory), with Content-Length. */
export function upload(conn: Connection, file: string, name: string, size: number, progress: ProgressLine): Promise<Uploaded> {
  const req = send(conn, 'PUT', `/api/v1/inputs/${encodeURIComponent(name)}`, {
    'content-type': 'application/octet-stream',
    'content-length': String(size),
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: ApplianceError) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    answer(conn, req).then(({ status, text }) => {
      if (settled) return;
      settled = true;
      if (status === 200 || status === 201) resolve(JSON.parse(text) as Uploaded);
      else reject(apiError(status, text, `upload of ${name}`));
    }, fail);
    let sent = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sent += chunk.length;
        progress.update(size ? sent / size : 1, `uploading ${name}`);
        cb(null, chunk);
      },
    });
    // A refused upload answers before the body ends; the response decides then.
    pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), count, req).catch((err: unknown) => {
      setTimeout(() => fail(err instanceof ApplianceError ? err : unreachable(conn.base, err)), 1000).unref();
    });
  });
}

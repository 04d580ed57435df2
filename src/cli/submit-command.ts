import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { dataLayout } from '../../appliance/data-layout.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { isErrorCode } from '../errors/error-codes.js';
import type { JobDetail } from '../runtime/job-runtime.js';
import type { Config } from '../config/schema.js';
import { ProgressLine } from './submit-progress.js';
import { isCertificateError } from '../tls/certificate-errors.js';

export interface SubmitOptions {
  file: string;
  ladder: string;
  packaging: Array<'hls' | 'dash'>;
  wait: boolean;
  /** `--url`; default from MPEGFLOW_HOST / MPEGFLOW_PORT. */
  url?: string;
  /** `--token`, else MPEGFLOW_TOKEN, else `<data>/secrets/admin.token` when readable. */
  token?: string;
  /** Poll interval of `--wait` (ms). */
  pollMs?: number;
  /** `--ca FILE`: the CA (PEM) the appliance's HTTPS certificate is checked against; default: this appliance's CA when the URL comes from the config. */
  ca?: string;
}

/** Where the appliance is and how to talk to it. */
interface Connection {
  base: string;
  token: string;
  /** PEM CA certificates to verify HTTPS against (undefined: the system's). */
  ca: string | undefined;
}

export interface SubmitIo {
  print: (line: string) => void;
  stderr: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Loaded only when the URL or the token must come from the configuration. */
  config: () => Promise<Config>;
}

const TERMINAL = ['completed', 'partial', 'failed', 'cancelled'];

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

async function resolveToken(options: SubmitOptions, env: NodeJS.ProcessEnv, io: SubmitIo): Promise<string> {
  if (options.token) return options.token;
  const fromEnv = env['MPEGFLOW_TOKEN'];
  if (fromEnv) return fromEnv;
  const file = dataLayout((await io.config()).dataDir).adminToken;
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

/** One line from an API error body `{"error":{"code","message"}}`. */
function apiError(status: number, text: string, what: string): ApplianceError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    const code = body.error?.code;
    // The server's own code when this build knows it; a newer server's unknown code stays in the message.
    if (code) return new ApplianceError(isErrorCode(code) ? code : 'HTTP_ERROR', `${what}: ${code}: ${body.error?.message ?? ''}`, { details: { status } });
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

async function api<T>(conn: Connection, method: string, path: string, what: string, body?: unknown): Promise<{ status: number; body: T }> {
  const req = send(conn, method, path, body !== undefined ? { 'content-type': 'application/json' } : {});
  const answered = answer(conn, req);
  req.end(body !== undefined ? JSON.stringify(body) : undefined);
  const { status, text } = await answered;
  if (status < 200 || status > 299) throw apiError(status, text, what);
  return { status, body: JSON.parse(text) as T };
}

/** Streams the file as the request body (never read into memory), with Content-Length. */
function upload(conn: Connection, file: string, name: string, size: number, progress: ProgressLine): Promise<{ key: string; sha256: string; size: number }> {
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
      if (status === 200 || status === 201) resolve(JSON.parse(text) as { key: string; sha256: string; size: number });
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

/** `--ca FILE`, else this appliance's own CA when the URL came from its config and it has one. */
function resolveCa(options: SubmitOptions, config: Config | undefined): string | undefined {
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

/** `mpegflow submit FILE [--ladder NAME] [--wait]`: exit 0 (1 with --wait unless the job completed). */
export async function submitCommand(options: SubmitOptions, io: SubmitIo, env: NodeJS.ProcessEnv): Promise<number> {
  let size: number;
  try {
    const s = await stat(options.file);
    if (!s.isFile()) throw new ApplianceError('USAGE', `${options.file} is not a file`);
    size = s.size;
  } catch (err) {
    if (err instanceof ApplianceError) throw err;
    throw new ApplianceError('FILE_UNREADABLE', `cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
  }
  const config = options.url ? undefined : await io.config();
  const base = serverUrl(options.url, config);
  const conn: Connection = { base, token: await resolveToken(options, env, io), ca: resolveCa(options, config) };
  // Before a long upload: the server is up, the token works and may submit, the ladder exists.
  const me = (await api<{ role: string }>(conn, 'GET', '/api/v1/whoami', 'submit')).body;
  if (me.role !== 'admin' && me.role !== 'operator') {
    throw new ApplianceError('FORBIDDEN', `submit: FORBIDDEN: the token's role ${me.role} may not submit jobs (needs operator or admin)`);
  }
  const ladders = (await api<{ items: Array<{ name: string }> }>(conn, 'GET', '/api/v1/ladders', 'submit')).body.items.map((l) => l.name);
  if (!ladders.includes(options.ladder)) {
    throw new ApplianceError('LADDER_UNKNOWN', `submit: LADDER_UNKNOWN: unknown ladder "${options.ladder}" (known: ${ladders.join(', ')})`);
  }
  const progress = new ProgressLine(io.stderr);
  const name = basename(options.file);
  const uploaded = await upload(conn, options.file, name, size, progress);
  progress.done(`uploaded ${uploaded.key} (${uploaded.size} bytes, sha256 ${uploaded.sha256})`);
  const submitted = await api<JobDetail>(conn, 'POST', '/api/v1/jobs', 'submit', {
    input: { key: uploaded.key },
    ladder: options.ladder,
    packaging: options.packaging,
  });
  const job = submitted.body;
  io.print(job.id);
  if (!options.wait) return 0;

  let last = job;
  while (!TERMINAL.includes(last.state)) {
    progress.update(last.progress, `${last.id} ${last.state}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    last = (await api<JobDetail>(conn, 'GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`, 'job status')).body;
  }
  progress.done(`${last.id} ${last.state}${last.error ? `: ${last.error.code}: ${last.error.message}` : ''}`);
  io.print(last.state);
  return last.state === 'completed' ? 0 : 1;
}

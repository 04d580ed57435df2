import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ApplianceError, isApplianceError } from '../../errors/appliance-error.js';
import { keyProblem } from '../../storage/keys.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { requireRole } from '../middleware/auth.js';
import { jobIdParam, jobNotFound } from './jobs.js';

export interface OutputRouteDeps {
  store: Store;
  objects: ObjectStore;
  /** The runtime's `outputKey` when there is one; default: `<jobId>/<path>` of an existing job (SPEC § Outputs). */
  outputKey?: (jobId: string, path: string) => Promise<string>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  m4a: 'audio/mp4',
  ts: 'video/mp2t',
  vtt: 'text/vtt; charset=utf-8',
  ttml: 'application/ttml+xml; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
};

export function outputContentType(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (ext && CONTENT_TYPES[ext]) || 'application/octet-stream';
}

/** The one range a `Range` header asks for, `'unsatisfiable'`, or undefined to send the whole object (RFC 9110 §14.2: a malformed or multi-range header may be ignored). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a.length > 15 || b.length > 15) return a === '' ? undefined : 'unsatisfiable';
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return undefined; // syntactically invalid: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

const pathInvalid = (path: string, problem: string) =>
  new ApplianceError('OUTPUT_PATH_INVALID', `output path ${JSON.stringify(path).slice(0, 120)}: ${problem}`);

/**
 * `GET /api/v1/jobs/{id}/outputs/{path}` (any role): a job's output file from the output
 * bucket, with single byte ranges (`206` + `Content-Range`; `416` when unsatisfiable).
 */
export function outputRoutes(deps: OutputRouteDeps) {
  const defaultKey = async (jobId: string, path: string) => {
    if (!(await deps.store.jobs.get(jobId))) throw jobNotFound(jobId);
    return `${jobId}/${path}`;
  };
  const outputKey = deps.outputKey ?? defaultKey;
  return new Hono<HttpEnv>().get('/jobs/:id/outputs/:path{.+}', requireRole('admin', 'operator', 'viewer', 'auditor'), async (c) => {
    const id = jobIdParam(c);
    const path = c.req.param('path');
    const problem = keyProblem(path);
    if (problem !== undefined) throw pathInvalid(path, problem);
    const key = await outputKey(id, path);
    let info: ObjectInfo;
    try {
      info = await deps.objects.stat('output', key);
    } catch (err) {
      if (isApplianceError(err) && err.code === 'STORAGE_NOT_FOUND') {
        throw new ApplianceError('OUTPUT_NOT_FOUND', `job ${id} has no output ${path}`);
      }
      throw err;
    }
    const size = info.size;
    const headers: Record<string, string> = {
      'content-type': outputContentType(path),
      'accept-ranges': 'bytes',
      'cache-control': 'no-cache',
      ...(info.sha256 ? { etag: `"${info.sha256}"` } : {}),
    };
    const range = parseRange(c.req.header('range'), size);
    if (range === 'unsatisfiable') {
      return c.json({ error: { code: 'RANGE_NOT_SATISFIABLE', message: `range ${c.req.header('range') ?? ''} is outside ${path} (${size} bytes)` } }, 416, {
        'content-range': `bytes */${size}`,
        'accept-ranges': 'bytes',
      });
    }
    if (c.req.method === 'HEAD' || size === 0) {
      return c.body(null, range ? 206 : 200, {
        ...headers,
        'content-length': String(range ? range.end - range.start + 1 : size),
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
      });
    }
    if (range) {
      const length = range.end - range.start + 1;
      const stream = await deps.objects.getRange('output', key, range.start, length);
      return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 206, {
        ...headers,
        'content-length': String(length),
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
      });
    }
    const stream = await deps.objects.get('output', key);
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200, { ...headers, 'content-length': String(size) });
  });
}

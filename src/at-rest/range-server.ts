import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Plaintext an encoder may read by range: its size and any byte range of it (inclusive). */
export interface RangeSource {
  size: number;
  read(start: number, end: number): AsyncIterable<Buffer>;
}

export interface ServedSource {
  /** `http://127.0.0.1:PORT/<random>`: the only URL answered. */
  url: string;
  /** Requests answered so far (ffmpeg seeks with several). */
  requests(): number;
  close(): Promise<void>;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → [start, end] within `size`, or null when it cannot be satisfied. */
export function parseRange(header: string, size: number): [number, number] | null | 'whole' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'whole';
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 || size === 0 ? null : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : [start, end];
}

/**
 * Serves one plaintext source to one encoder process over loopback HTTP with ranges, so an
 * encoder can read an encrypted object (decrypted chunk by chunk, each checked) with seeking
 * and without a plaintext copy on disk. Listens on 127.0.0.1 only, on a random port, answers a
 * single unguessable path, GET and HEAD only, and refuses any peer that is not loopback. A
 * chunk that fails its check ends the response early: the encoder sees a cut read, never
 * unchecked bytes.
 */
export async function serveRanges(source: RangeSource, onError: (err: unknown) => void = () => undefined): Promise<ServedSource> {
  const path = `/${randomBytes(16).toString('hex')}`;
  let requests = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const peer = req.socket.remoteAddress ?? '';
    if (peer !== '127.0.0.1' && peer !== '::ffff:127.0.0.1') {
      res.writeHead(403).end();
      return;
    }
    if (req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    requests += 1;
    const range = req.headers.range ? parseRange(req.headers.range, source.size) : 'whole';
    if (range === null) {
      res.writeHead(416, { 'content-range': `bytes */${source.size}` }).end();
      return;
    }
    const [start, end] = range === 'whole' ? [0, source.size - 1] : range;
    const length = source.size === 0 ? 0 : end - start + 1;
    res.writeHead(range === 'whole' ? 200 : 206, {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'accept-ranges': 'bytes',
      ...(range === 'whole' ? {} : { 'content-range': `bytes ${start}-${end}/${source.size}` }),
    });
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    try {
      await pipeline(Readable.from(source.read(start, end)), res);
    } catch (err) {
      onError(err);
      res.destroy();
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

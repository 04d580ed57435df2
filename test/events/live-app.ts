import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { listen } from '../../appliance/listen.js';
import { generateToken, hashToken, newTokenId } from '../../src/auth/tokens.js';
import { EventBus } from '../../src/events/event-bus.js';
import { createApp, type AppDeps } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import { closeWebSocketClients, createWebSocketServer } from '../../src/http/routes/ws.js';
import { createLogger } from '../../src/log/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A real app on real SQLite with a live bus, served on 127.0.0.1 (WebSockets included), one token per role. */
export async function liveApp(extra: Partial<AppDeps> = {}, dbPath = join(tempDir(), 'mpegflow.db')) {
  const store = new SqliteStore({ path: dbPath });
  const logLines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, cb) {
        logLines.push(...String(chunk).trim().split('\n'));
        cb();
      },
    }),
  );
  const health = new Health();
  health.set('store', { ok: true });
  const bus = new EventBus((err) => logger.error({ err }, 'listener failed'));
  const app = createApp({ store, logger, health, bus, ...extra });
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'operator', 'viewer', 'auditor'] as const) {
    const token = generateToken();
    tokens[role] = token;
    await store.change(async (tx) => {
      const id = newTokenId();
      await tx.tokens.insert({ id, name: role, role, tokenHash: hashToken(token) });
      await tx.audit({ type: 'api_token.issued', actor: 'test', payload: { tokenId: id, role } });
    });
  }
  const wss = createWebSocketServer();
  const { server, port } = await listen(app.fetch, '127.0.0.1', 0, { websocket: wss });
  const url = `http://127.0.0.1:${port}`;
  const auth = (role: Role, headers: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${tokens[role]}`, ...headers } });
  const close = async () => {
    closeWebSocketClients(wss, 200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  };
  return { app, store, bus, logger, logLines, tokens, auth, url, wsUrl: `ws://127.0.0.1:${port}`, close };
}

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A real HTTP receiver on 127.0.0.1; `answer` picks each response status (default 200). */
export async function receiver(answer: (n: number, r: Received) => number = () => 200, tls?: { cert: string; key: string }) {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const r = { headers: req.headers, body, at: Date.now() };
      received.push(r);
      res.statusCode = answer(received.length, r);
      res.end('ok');
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.unref(); // a failed test must not keep the process alive
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hooks/mpegflow`,
    port,
    received,
    /** Resolves once `n` requests arrived (rejects after `ms`). */
    waitFor: (n: number, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${n} requests in ${ms} ms`)), ms);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port nothing listens on. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function until(check: () => Promise<boolean> | boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

import { upgradeWebSocket } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { WebSocketServer } from 'ws';
import { hashToken } from '../../auth/tokens.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { EventBus } from '../../events/event-bus.js';
import type { ApplianceEvent } from '../../events/events.js';
import { ProgressThrottle } from '../../events/throttle.js';
import type { ApiToken, Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { cookiePrincipal } from '../middleware/auth.js';
import type { SessionPolicy } from '../../auth/sessions.js';
import type { LiveEvent, LiveHello } from '../schemas/live.js';

/** The subprotocol a client offers (with `bearer.<token>`) when it cannot set headers. */
export const WS_PROTOCOL = 'mpegflow.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';
/** A client whose unsent data exceeds this is too slow to follow live events: it is closed (1013). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Live event types a client receives (webhook bookkeeping stays inside). */
const FORWARDED = new Set<ApplianceEvent['type']>(['job.state', 'task.state', 'task.progress', 'task.finished']);

/**
 * The `ws` server the HTTP server hands upgrades to (`createAdaptorServer({ websocket: { server } })`).
 * It answers the `mpegflow.v1` subprotocol and never echoes the `bearer.<token>` one.
 */
export function createWebSocketServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
}

/** Closes every open client (1001 going away), then cuts those that do not answer: lets the HTTP server close. */
export function closeWebSocketClients(wss: WebSocketServer, graceMs = 2000): void {
  for (const client of wss.clients) {
    client.close(1001, 'server shutting down');
    setTimeout(() => client.terminate(), graceMs).unref();
  }
}

const unauthenticated = (why: string) => new ApplianceError('UNAUTHENTICATED', why);

/**
 * The token of a WebSocket upgrade, in this order: `Authorization: Bearer <token>`, the
 * subprotocol `bearer.<token>` (offered beside `mpegflow.v1`), the `token` query parameter.
 */
function upgradeToken(c: Context<HttpEnv>): string | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('Authorization header must be "Bearer <token>"');
    return match[1];
  }
  const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  const fromProtocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
  return c.req.query('token') || undefined;
}

async function authenticate(store: Store, token: string | undefined, now: () => Date): Promise<ApiToken> {
  if (!token) throw unauthenticated(`missing token: send Authorization: Bearer <token>, or offer the subprotocols "${WS_PROTOCOL}" and "bearer.<token>"`);
  const found = await store.tokens.findByHash(hashToken(token));
  if (!found) throw unauthenticated('unknown token');
  if (found.revokedAt) throw unauthenticated('token revoked');
  if (found.expiresAt && Date.parse(found.expiresAt) <= now().getTime()) throw unauthenticated('token expired');
  return found;
}

export interface WsDeps {
  store: Store;
  sessionPolicy?: SessionPolicy;
  bus: EventBus;
  now?: () => Date;
  /** Minimum time between two progress messages of one job to one client (default 250 ms). */
  progressIntervalMs?: number;
}

/**
 * `GET /ws`: live events as JSON text messages, one event per message. Any valid token
 * (every role) may listen; a missing or bad token is refused with 401 before the upgrade.
 * `?job=ID` narrows to one job. `task.progress` is throttled per job (4/s by default);
 * state changes always arrive. The first message is `{"type":"hello",…}`.
 */
export function wsRoutes(deps: WsDeps) {
  const now = deps.now ?? (() => new Date());
  const intervalMs = deps.progressIntervalMs ?? 250;
  return new Hono<HttpEnv>().get(
    '/ws',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw new ApplianceError('UPGRADE_REQUIRED', 'GET /ws is a WebSocket endpoint: connect with a WebSocket client');
      }
      const job = c.req.query('job');
      if (job !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(job)) {
        throw new ApplianceError('VALIDATION_FAILED', 'job: must be a job id');
      }
      const token = upgradeToken(c);
      // The UI's session cookie, from this appliance's own pages only (no cross-site WebSocket hijacking).
      const fromCookie = token === undefined ? await cookiePrincipal(c, deps.store, now, deps.sessionPolicy) : undefined;
      if (fromCookie) {
        const origin = c.req.header('origin');
        if (origin !== undefined && origin !== new URL(c.req.url).origin)
          throw new ApplianceError('CSRF_REJECTED', `WebSocket from ${origin.slice(0, 100)} refused`);
      }
      c.set('principal', fromCookie ?? (await authenticate(deps.store, token, now)));
      await next();
    },
    upgradeWebSocket((c) => {
      const job = c.req.query('job');
      let unsubscribe: (() => void) | undefined;
      let throttle: ProgressThrottle | undefined;
      const stop = () => {
        unsubscribe?.();
        throttle?.close();
        unsubscribe = undefined;
      };
      return {
        onOpen: (_event, ws) => {
          throttle = new ProgressThrottle(
            (event) => {
              if (ws.readyState !== 1 || event.type === 'webhook.delivery') return;
              const raw = ws.raw as { bufferedAmount?: number } | undefined;
              if ((raw?.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) {
                stop();
                ws.close(1013, 'client too slow for live events');
                return;
              }
              ws.send(JSON.stringify(event satisfies LiveEvent));
            },
            { intervalMs },
          );
          const t = throttle;
          unsubscribe = deps.bus.subscribe((event) => {
            if (!FORWARDED.has(event.type)) return;
            if (job !== undefined && 'jobId' in event && event.jobId !== job) return;
            t.push(event);
          });
          ws.send(JSON.stringify({ type: 'hello', protocol: WS_PROTOCOL, job: job ?? null, progressIntervalMs: intervalMs } satisfies LiveHello));
        },
        onClose: stop,
        onError: stop,
      };
    }),
  );
}

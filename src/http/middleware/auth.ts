import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { SESSION_COOKIE, sessionPrincipal, type Principal, type SessionPolicy } from '../../auth/sessions.js';
import { hashToken } from '../../auth/tokens.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Role, Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';

const unauthenticated = (why: string) => new ApplianceError('UNAUTHENTICATED', why);

/** The header a browser session must send with every state-changing request (CSRF guard). */
export const CSRF_HEADER = 'x-mpegflow-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie-authenticated request that changes state must carry `X-MpegFlow-CSRF: 1` (a
 * cross-site form cannot set a header, and no CORS is offered) and, when the browser sends
 * an `Origin`, come from this appliance's own origin.
 */
export function checkCsrf(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const forbidden = (why: string) => new ApplianceError('CSRF_REJECTED', why);
  if (c.req.header(CSRF_HEADER) !== '1') throw forbidden(`a session-authenticated ${c.req.method} needs the header X-MpegFlow-CSRF: 1`);
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) throw forbidden(`cross-origin ${c.req.method} from ${origin.slice(0, 100)} refused`);
}

/** The header the UI sets on its own periodic refreshes: they are not the operator's activity (idle timeout). */
export const BACKGROUND_HEADER = 'x-mpegflow-background';

/** The principal of the session cookie, if any (undefined: no cookie; 401: a stale or idle one). */
export async function cookiePrincipal(c: Context, store: Store, now: () => Date, policy?: SessionPolicy): Promise<Principal | undefined> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret) return undefined;
  const principal = await sessionPrincipal(store, secret, now, { ...(policy ? { policy } : {}), activity: c.req.header(BACKGROUND_HEADER) !== '1' });
  if (!principal) throw unauthenticated('session expired or ended: log in again');
  return principal;
}

/**
 * `Authorization: Bearer <token>` (tokens are looked up by their sha256), or else the
 * operator session cookie of the UI (state changes then need the CSRF header).
 */
export function bearerAuth(store: Store, now: () => Date = () => new Date(), policy?: SessionPolicy): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      const fromCookie = await cookiePrincipal(c, store, now, policy);
      if (!fromCookie) throw unauthenticated('missing Authorization: Bearer <token> header');
      checkCsrf(c);
      c.set('principal', fromCookie);
      await next();
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('Authorization header must be "Bearer <token>"');
    const token = await store.tokens.findByHash(hashToken(match[1]));
    if (!token) throw unauthenticated('unknown token');
    if (token.revokedAt) throw unauthenticated('token revoked');
    if (token.expiresAt && Date.parse(token.expiresAt) <= now().getTime()) throw unauthenticated('token expired');
    c.set('principal', token);
    await next();
  };
}

/** Refuses (403) a principal whose role is not listed. */
export function requireRole(...allowed: Role[]): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw unauthenticated('not authenticated');
    if (!allowed.includes(principal.role)) {
      throw new ApplianceError('FORBIDDEN', `role ${principal.role} may not ${c.req.method} ${c.req.path} (needs ${allowed.join(' or ')})`);
    }
    await next();
  };
}

export function actorOf(principal: { id: string; role: string; name?: string; via?: string }): string {
  if (principal.via === 'session' && principal.name) return `user:${principal.name}`;
  return `token:${principal.id}`;
}

import type { MiddlewareHandler } from 'hono';
import { hashToken } from '../../auth/tokens.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Role, Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';

const unauthenticated = (why: string) => new ApplianceError('UNAUTHENTICATED', why, { status: 401 });

/** `Authorization: Bearer <token>`; tokens are looked up by their sha256. */
export function bearerAuth(store: Store, now: () => Date = () => new Date()): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw unauthenticated('missing Authorization: Bearer <token> header');
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
      throw new ApplianceError('FORBIDDEN', `role ${principal.role} may not ${c.req.method} ${c.req.path} (needs ${allowed.join(' or ')})`, { status: 403 });
    }
    await next();
  };
}

export function actorOf(principal: { id: string; role: string }): string {
  return `token:${principal.id}`;
}

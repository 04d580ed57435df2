import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { login, logout, SESSION_COOKIE } from '../../auth/sessions.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { checkCsrf } from '../middleware/auth.js';
import { readJson } from '../validation.js';

const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();

/** `POST /api/v1/session`: the UI's login (no token needed). The cookie is HttpOnly and SameSite=Strict. */
export function loginRoutes(store: Store, now: () => Date = () => new Date()) {
  const small = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new ApplianceError('PAYLOAD_TOO_LARGE', 'login body over 16 KiB', { status: 413 });
    },
  });
  return new Hono<HttpEnv>().post('/session', small, async (c) => {
    checkCsrf(c);
    const body = await readJson(c, loginBody);
    const { secret, expiresAt, user } = await login(store, body.username, body.password, now);
    setCookie(c, SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: Math.floor((expiresAt - now().getTime()) / 1000),
      // The appliance serves plain HTTP on its own network unless a TLS proxy fronts it.
      secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
    });
    return c.json({ user: { id: user.id, username: user.username, role: user.role }, expiresAt: new Date(expiresAt).toISOString() });
  });
}

/** `DELETE /api/v1/session`: ends the caller's session (behind the auth middleware). */
export function logoutRoutes(store: Store, now: () => Date = () => new Date()) {
  return new Hono<HttpEnv>().delete('/session', async (c) => {
    const principal = c.get('principal');
    if (principal.via !== 'session') throw new ApplianceError('VALIDATION_FAILED', 'DELETE /api/v1/session ends a login session; API tokens are revoked with DELETE /api/v1/tokens/{id}', { status: 400 });
    await logout(store, principal, now);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
}

import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import { LoginThrottle } from '../../auth/login-throttle.js';
import { login, logout, SESSION_COOKIE, startTotpEnrollment, type SessionPolicy } from '../../auth/sessions.js';
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '../../auth/totp.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { checkCsrf } from '../middleware/auth.js';
import { readJson } from '../validation.js';
import { loginRequest, totpEnrollmentRequest, type TotpEnrollment } from '../schemas/accounts.js';

/** Failures a client can cause by guessing (they count towards the address throttle). */
const GUESSES = new Set(['LOGIN_FAILED', 'ACCOUNT_LOCKED', 'TOTP_INVALID', 'TOTP_REPLAYED']);

/** The client's address as the socket reports it (the appliance is not behind a proxy it trusts). */
const clientAddress = (c: Context<HttpEnv>): string => {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // no socket (app.request in tests)
  }
};

/**
 * `POST /api/v1/session`: the UI's login (no token needed). The cookie is HttpOnly and
 * SameSite=Strict. Besides the per-account lockout, too many failures from one address
 * (across user names) make that address wait (429 LOGIN_THROTTLED, audited once per burst).
 */
export function loginRoutes(store: Store, now: () => Date = () => new Date(), throttle: LoginThrottle = new LoginThrottle(), policy?: SessionPolicy) {
  const small = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new ApplianceError('PAYLOAD_TOO_LARGE', 'login body over 16 KiB');
    },
  });
  /** Runs a password check from `address` under the throttle: too many failures make the address wait (audited once per burst). */
  const throttled = async <T>(c: Context<HttpEnv>, username: string, attempt: () => Promise<T>): Promise<T> => {
    const address = clientAddress(c);
    const waitMs = throttle.waitMs(address, now().getTime());
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new ApplianceError('LOGIN_THROTTLED', `too many failed logins from ${address}; try again in ${Math.ceil(waitMs / 1000)} s`);
    }
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof ApplianceError && GUESSES.has(err.code) && throttle.recordFailure(address, now().getTime())) {
        await store.change(async (tx) => {
          await tx.audit({
            type: 'auth.login_throttled',
            actor: 'system:auth',
            payload: { address, failures: throttle.limit, windowSeconds: throttle.windowMs / 1000, lastUsername: username.slice(0, 64) },
          });
        });
      }
      throw err;
    }
  };
  return new Hono<HttpEnv>()
    .post('/session', small, async (c) => {
      checkCsrf(c);
      const body = await readJson(c, loginRequest);
      const { secret, expiresAt, user } = await throttled(c, body.username, () => login(store, body.username, body.password, now, body.totp, policy));
      setCookie(c, SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: Math.floor((expiresAt - now().getTime()) / 1000),
        // Secure over HTTPS (the default); plain HTTP is served on loopback only.
        secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
      });
      return c.json({ user: { id: user.id, username: user.username, role: user.role }, expiresAt: new Date(expiresAt).toISOString() });
    })
    .post('/session/totp-enrollment', small, async (c) => {
      checkCsrf(c);
      const body = await readJson(c, totpEnrollmentRequest);
      const enrollment = await throttled(c, body.username, () => startTotpEnrollment(store, body.username, body.password, now));
      // The secret is shown once, here: the next sign-in with a code of it confirms it.
      return c.json({ ...enrollment, digits: TOTP_DIGITS, periodSeconds: TOTP_PERIOD_SECONDS, algorithm: 'SHA1' } satisfies TotpEnrollment, 201);
    });
}

/** `DELETE /api/v1/session`: ends the caller's session (behind the auth middleware). */
export function logoutRoutes(store: Store, now: () => Date = () => new Date()) {
  return new Hono<HttpEnv>().delete('/session', async (c) => {
    const principal = c.get('principal');
    if (principal.via !== 'session')
      throw new ApplianceError('VALIDATION_FAILED', 'DELETE /api/v1/session ends a login session; API tokens are revoked with DELETE /api/v1/tokens/{id}');
    await logout(store, principal, now);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
}

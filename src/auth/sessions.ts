import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApplianceError } from '../errors/appliance-error.js';
import type { ApiToken, Role, Store } from '../store/store.js';
import type { UserRecord } from '../store/users.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/** The cookie that carries a login session (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'mpegflow_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Consecutive failures that lock an account, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Who is calling: an API token, or an operator account through its session. */
export type Principal = ApiToken & { via?: 'token' | 'session' };

export function usernameProblem(name: string): string | undefined {
  return USERNAME.test(name) ? undefined : 'must be 1-64 characters: letters, digits, ".", "_", "-", starting with a letter or digit';
}

export const sessionHash = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
const newUserId = () => `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
const newSessionId = () => `ses_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

const loginFailed = () => new ApplianceError('LOGIN_FAILED', 'wrong user name or password');

/**
 * Checks a user name and password. Every outcome is audited: a success opens a session,
 * a failure counts towards the lockout (5 in a row lock the account for 15 minutes).
 */
export async function login(
  store: Store,
  username: string,
  password: string,
  now: () => Date = () => new Date(),
): Promise<{ secret: string; expiresAt: number; user: UserRecord }> {
  const user = await store.users.byUsername(username);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  const at = now();
  const actor = `user:${username.slice(0, 64)}`;
  if (!user || user.disabledAt) {
    await store.change(
      async (tx) =>
        void (await tx.audit({ type: 'user.login_failed', actor, payload: { username: username.slice(0, 64), reason: user ? 'disabled' : 'unknown user' } })),
    );
    throw loginFailed();
  }
  if (user.lockedUntil !== null && user.lockedUntil > at.getTime()) {
    await store.change(async (tx) => void (await tx.audit({ type: 'user.login_failed', actor, payload: { userId: user.id, username, reason: 'locked' } })));
    throw new ApplianceError(
      'ACCOUNT_LOCKED',
      `account locked after ${MAX_FAILED_LOGINS} failed logins until ${new Date(user.lockedUntil).toISOString()}; an admin can unlock it`,
      {},
    );
  }
  if (!ok) {
    const failed = user.failedAttempts + 1;
    const lock = failed >= MAX_FAILED_LOGINS ? at.getTime() + LOCKOUT_MS : null;
    await store.change(async (tx) => {
      await tx.users.update(user.id, { failedAttempts: failed, lockedUntil: lock });
      await tx.audit({ type: 'user.login_failed', actor, payload: { userId: user.id, username, reason: 'wrong password', failedAttempts: failed } });
      if (lock !== null)
        await tx.audit({ type: 'user.locked', actor: 'system:auth', payload: { userId: user.id, username, until: new Date(lock).toISOString() } });
    });
    throw loginFailed();
  }
  const secret = `mfs_${randomBytes(32).toString('base64url')}`;
  const expiresAt = at.getTime() + SESSION_TTL_MS;
  const sessionId = newSessionId();
  await store.change(async (tx) => {
    await tx.users.update(user.id, { failedAttempts: 0, lockedUntil: null });
    await tx.sessions.insert({ id: sessionId, userId: user.id, tokenHash: sessionHash(secret), expiresAt });
    // Sessions past their expiry are dead weight: each login sweeps them, and says how many.
    const pruned = await tx.sessions.pruneExpired(at.getTime());
    await tx.audit({ type: 'user.login', actor, payload: { userId: user.id, username, role: user.role, sessionId, expiredSessionsDeleted: pruned } });
  });
  const { passwordHash: _hash, ...record } = user;
  return { secret, expiresAt, user: { ...record, failedAttempts: 0, lockedUntil: null } };
}

/** The principal of a session cookie, or undefined (unknown, revoked, expired, account disabled). */
export async function sessionPrincipal(store: Store, secret: string, now: () => Date = () => new Date()): Promise<Principal | undefined> {
  const session = await store.sessions.byHash(sessionHash(secret));
  if (!session || session.revokedAt || session.expiresAt <= now().getTime()) return undefined;
  const user = await store.users.get(session.userId);
  if (!user || user.disabledAt) return undefined;
  return {
    id: session.id,
    name: user.username,
    role: user.role,
    userId: user.id,
    createdAt: session.createdAt,
    expiresAt: new Date(session.expiresAt).toISOString(),
    revokedAt: null,
    via: 'session',
  };
}

export async function logout(store: Store, principal: Principal, now: () => Date = () => new Date()): Promise<void> {
  await store.change(async (tx) => {
    await tx.sessions.revoke(principal.id, now().toISOString());
    await tx.audit({ type: 'user.logout', actor: `user:${principal.name}`, payload: { userId: principal.userId, sessionId: principal.id } });
  });
}

/** Creates an operator account (audited as `user.created` by `actor`). */
export async function createUser(store: Store, input: { username: string; role: Role; password: string }, actor: string): Promise<UserRecord> {
  const bad = usernameProblem(input.username);
  if (bad) throw new ApplianceError('VALIDATION_FAILED', `username: ${bad}`);
  const weak = passwordProblem(input.password);
  if (weak) throw new ApplianceError('VALIDATION_FAILED', `password: ${weak}`);
  if (await store.users.byUsername(input.username)) throw new ApplianceError('USER_EXISTS', `a user named ${input.username} exists`);
  const id = newUserId();
  const passwordHash = await hashPassword(input.password);
  await store.change(async (tx) => {
    await tx.users.insert({ id, username: input.username, role: input.role, passwordHash });
    await tx.audit({ type: 'user.created', actor, payload: { userId: id, username: input.username, role: input.role } });
  });
  const created = await store.users.get(id);
  if (!created) throw new ApplianceError('INTERNAL', `user ${id} vanished after insert`);
  return created;
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApplianceError } from '../errors/appliance-error.js';
import type { ApiToken, Role, Store } from '../store/store.js';
import type { UserPatch, UserRecord, UserWithHash } from '../store/users.js';
import { isRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpUri } from './totp.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/** The cookie that carries a login session (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'mpegflow_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** How long a UI session lives: ended after `idleMs` without the operator's activity, and `lifetimeMs` after sign-in at most. */
export interface SessionPolicy {
  idleMs: number;
  lifetimeMs: number;
  /** Roles that sign in with a second factor (always admin); other accounts need one once enrolled. */
  secondFactorRoles: readonly Role[];
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 15 * 60 * 1000, lifetimeMs: SESSION_TTL_MS, secondFactorRoles: ['admin'] };

/** Activity is written at most this often (the idle timeout is exact to within it). */
const TOUCH_EVERY_MS = 30 * 1000;
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

/** Who must sign in with a second factor: every admin, and any account that enrolled one. */
export const secondFactorRequired = (
  user: Pick<UserWithHash, 'role' | 'totpSecret'>,
  roles: readonly Role[] = DEFAULT_SESSION_POLICY.secondFactorRoles,
): boolean => roles.includes(user.role) || user.totpSecret !== null;

/** A failed attempt on a known account: counted towards the lockout (5 in a row lock it for 15 minutes), audited. */
async function countFailure(store: Store, user: UserWithHash, actor: string, reason: string, at: Date): Promise<void> {
  const failed = user.failedAttempts + 1;
  const lock = failed >= MAX_FAILED_LOGINS ? at.getTime() + LOCKOUT_MS : null;
  await store.change(async (tx) => {
    await tx.users.update(user.id, { failedAttempts: failed, lockedUntil: lock });
    await tx.audit({ type: 'user.login_failed', actor, payload: { userId: user.id, username: user.username, reason, failedAttempts: failed } });
    if (lock !== null)
      await tx.audit({ type: 'user.locked', actor: 'system:auth', payload: { userId: user.id, username: user.username, until: new Date(lock).toISOString() } });
  });
}

/** The account behind a user name and password, or an audited failure (unknown, disabled, locked, wrong password). */
async function checkPassword(store: Store, username: string, password: string, at: Date, actor: string): Promise<UserWithHash> {
  const user = await store.users.byUsername(username);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
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
    await countFailure(store, user, actor, 'wrong password', at);
    throw loginFailed();
  }
  return user;
}

/**
 * The second factor of a sign-in whose password was right: the patch that records it (the
 * accepted step; a confirmed enrollment), or an audited refusal. A wrong or replayed code
 * counts towards the lockout like a wrong password; a missing one does not.
 */
async function checkSecondFactor(
  store: Store,
  user: UserWithHash,
  totp: string | undefined,
  at: Date,
  actor: string,
  roles: readonly Role[],
): Promise<{ patch: UserPatch; enrolled: boolean; via: 'totp' | 'recovery-code' | 'none' }> {
  const refuse = async (code: 'TOTP_REQUIRED' | 'TOTP_ENROLLMENT_REQUIRED', reason: string, message: string): Promise<never> => {
    await store.change(
      async (tx) => void (await tx.audit({ type: 'user.login_failed', actor, payload: { userId: user.id, username: user.username, reason } })),
    );
    throw new ApplianceError(code, message);
  };
  const secret = user.totpSecret ?? (totp !== undefined ? user.totpPendingSecret : null);
  if (secret === null) {
    if (!roles.includes(user.role)) return { patch: {}, enrolled: false, via: 'none' };
    return refuse(
      'TOTP_ENROLLMENT_REQUIRED',
      'second factor not enrolled',
      `the ${user.role} role signs in with a second factor: enroll an authenticator app first (POST /api/v1/session/totp-enrollment), then sign in with its code`,
    );
  }
  if (totp === undefined) return refuse('TOTP_REQUIRED', 'second factor required', 'enter the 6-digit code of your authenticator app');
  if (isRecoveryCode(totp)) {
    // A recovery code stands in for a confirmed authenticator only (never confirms an enrollment), once.
    const hash = recoveryCodeHash(totp);
    if (user.totpSecret === null || !user.totpRecoveryHashes.includes(hash)) {
      await countFailure(store, user, actor, 'wrong recovery code', at);
      throw new ApplianceError('TOTP_INVALID', 'wrong or used recovery code');
    }
    return { patch: { totpRecoveryHashes: user.totpRecoveryHashes.filter((h) => h !== hash) }, enrolled: false, via: 'recovery-code' };
  }
  const step = matchTotp(secret, totp, at.getTime());
  if (step === null) {
    await countFailure(store, user, actor, 'wrong TOTP code', at);
    throw new ApplianceError('TOTP_INVALID', 'wrong authenticator code');
  }
  if (user.totpLastStep !== null && step <= user.totpLastStep) {
    await countFailure(store, user, actor, 'replayed TOTP code', at);
    throw new ApplianceError('TOTP_REPLAYED', 'this authenticator code was used already; wait for the next one');
  }
  if (user.totpSecret !== null) return { patch: { totpLastStep: step }, enrolled: false, via: 'totp' };
  return { patch: { totpSecret: secret, totpPendingSecret: null, totpEnrolledAt: at.toISOString(), totpLastStep: step }, enrolled: true, via: 'totp' };
}

/**
 * Checks a user name, password and — for admins and enrolled accounts — a TOTP code. Every
 * outcome is audited: a success opens a session (and confirms a pending enrollment), a
 * failure counts towards the lockout (5 in a row lock the account for 15 minutes).
 */
export async function login(
  store: Store,
  username: string,
  password: string,
  now: () => Date = () => new Date(),
  totp?: string,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<{ secret: string; expiresAt: number; user: UserRecord }> {
  const at = now();
  const actor = `user:${username.slice(0, 64)}`;
  const user = await checkPassword(store, username, password, at, actor);
  const second = await checkSecondFactor(store, user, totp, at, actor, policy.secondFactorRoles);
  const secret = `mfs_${randomBytes(32).toString('base64url')}`;
  const expiresAt = at.getTime() + policy.lifetimeMs;
  const sessionId = newSessionId();
  await store.change(async (tx) => {
    await tx.users.update(user.id, { failedAttempts: 0, lockedUntil: null, ...second.patch });
    if (second.enrolled) await tx.audit({ type: 'user.totp_enrolled', actor, payload: { userId: user.id, username } });
    if (second.via === 'recovery-code') {
      const remaining = second.patch.totpRecoveryHashes?.length ?? 0;
      await tx.audit({ type: 'user.recovery_code_used', actor, payload: { userId: user.id, username, remaining } });
    }
    await tx.sessions.insert({ id: sessionId, userId: user.id, tokenHash: sessionHash(secret), expiresAt, lastSeenAt: at.getTime() });
    // Sessions past their expiry are dead weight: each login sweeps them, and says how many.
    const pruned = await tx.sessions.pruneExpired(at.getTime());
    await tx.audit({
      type: 'user.login',
      actor,
      payload: {
        userId: user.id,
        username,
        role: user.role,
        sessionId,
        secondFactor: second.via,
        expiredSessionsDeleted: pruned,
      },
    });
  });
  const { passwordHash: _hash, totpSecret: _s, totpPendingSecret: _p, totpLastStep: _l, totpRecoveryHashes: _r, ...record } = user;
  return {
    secret,
    expiresAt,
    user: { ...record, failedAttempts: 0, lockedUntil: null, totpEnrolledAt: second.enrolled ? at.toISOString() : record.totpEnrolledAt },
  };
}

/**
 * Starts (or restarts) the enrollment of an authenticator app: the password is checked like a
 * sign-in, a new secret is kept pending and returned once; the next sign-in with a code of it
 * confirms it. An account that has a second factor must have an admin reset it first.
 */
export async function startTotpEnrollment(
  store: Store,
  username: string,
  password: string,
  now: () => Date = () => new Date(),
): Promise<{ secret: string; uri: string; recoveryCodes: string[] }> {
  const at = now();
  const actor = `user:${username.slice(0, 64)}`;
  const user = await checkPassword(store, username, password, at, actor);
  if (user.totpSecret !== null) {
    throw new ApplianceError('TOTP_ALREADY_ENROLLED', 'this account has a second factor already; an admin can reset it (mpegflow users reset-totp NAME)');
  }
  const secret = newTotpSecret();
  // Recovery codes are handed out with the secret (shown once) and only their hashes kept; they work once the enrollment is confirmed.
  const recoveryCodes = newRecoveryCodes();
  await store.change(async (tx) => {
    await tx.users.update(user.id, { totpPendingSecret: secret, totpRecoveryHashes: recoveryCodes.map(recoveryCodeHash) });
    await tx.audit({ type: 'user.totp_enrollment_started', actor, payload: { userId: user.id, username, recoveryCodes: recoveryCodes.length } });
  });
  return { secret, uri: totpUri(secret, username), recoveryCodes };
}

/** Removes an account's second factor (lost phone): it enrolls again at its next sign-in; its sessions end. */
export async function resetTotp(store: Store, userId: string, actor: string, now: () => Date = () => new Date()): Promise<number> {
  const user = await store.users.get(userId);
  if (!user) throw new ApplianceError('NOT_FOUND', `no user ${userId}`);
  let ended = 0;
  await store.change(async (tx) => {
    await tx.users.update(userId, { totpSecret: null, totpPendingSecret: null, totpEnrolledAt: null, totpLastStep: null, totpRecoveryHashes: [] });
    ended = await tx.sessions.revokeForUser(userId, now().toISOString());
    await tx.audit({ type: 'user.totp_reset', actor, payload: { userId, username: user.username, sessionsEnded: ended } });
  });
  return ended;
}

/**
 * The principal of a session cookie, or undefined (unknown, revoked, expired, idle too long,
 * account disabled). A session idle for `policy.idleMs` is ended here, audited as
 * `user.session_expired`; a request that is the operator's `activity` (not a background
 * refresh of the UI) moves its idle clock on.
 */
export async function sessionPrincipal(
  store: Store,
  secret: string,
  now: () => Date = () => new Date(),
  options: { policy?: SessionPolicy; activity?: boolean } = {},
): Promise<Principal | undefined> {
  const policy = options.policy ?? DEFAULT_SESSION_POLICY;
  const session = await store.sessions.byHash(sessionHash(secret));
  const at = now().getTime();
  if (!session || session.revokedAt || session.expiresAt <= at) return undefined;
  const user = await store.users.get(session.userId);
  if (!user || user.disabledAt) return undefined;
  const lastSeen = session.lastSeenAt ?? Date.parse(session.createdAt);
  if (at - lastSeen >= policy.idleMs) {
    await store.change(async (tx) => {
      await tx.sessions.revoke(session.id, new Date(at).toISOString());
      await tx.audit({
        type: 'user.session_expired',
        actor: 'system',
        payload: {
          userId: user.id,
          username: user.username,
          sessionId: session.id,
          reason: 'idle',
          idleMinutes: policy.idleMs / 60_000,
          lastSeenAt: new Date(lastSeen).toISOString(),
        },
      });
    });
    return undefined;
  }
  if (options.activity !== false && at - lastSeen >= TOUCH_EVERY_MS) await store.sessions.touch(session.id, at);
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
  const weak = passwordProblem(input.password, input.username);
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

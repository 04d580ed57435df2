/** What an account or token may do (docs/security.md). */
export type Role = 'admin' | 'operator' | 'viewer' | 'auditor';
export const roles: readonly Role[] = ['admin', 'operator', 'viewer', 'auditor'];

/** Operator accounts and their browser sessions (the UI's login). Tokens stay in `api_tokens`. */

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  /** Consecutive failed logins since the last success. */
  failedAttempts: number;
  /** Epoch ms until which logins are refused (after 5 failures), or null. */
  lockedUntil: number | null;
  createdAt: string;
  disabledAt: string | null;
  /** When the account confirmed its TOTP second factor, or null (not enrolled). */
  totpEnrolledAt: string | null;
}

/** The row with its scrypt hash and TOTP secrets: only the login path reads this. */
export interface UserWithHash extends UserRecord {
  passwordHash: string;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  /** The time step of the last accepted code (replays of it or earlier are refused). */
  totpLastStep: number | null;
  /** sha256 (hex) of each unused recovery code; a used one is removed. */
  totpRecoveryHashes: string[];
}

export interface NewUser {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
}

export type UserPatch = Partial<
  Pick<
    UserWithHash,
    | 'role'
    | 'passwordHash'
    | 'failedAttempts'
    | 'lockedUntil'
    | 'disabledAt'
    | 'totpSecret'
    | 'totpEnrolledAt'
    | 'totpLastStep'
    | 'totpPendingSecret'
    | 'totpRecoveryHashes'
  >
>;

/** A login session; the cookie holds a random secret, the store its sha256 (`tokenHash`). */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms of the operator's last request (null: a session from before idle timeouts; its creation counts). */
  lastSeenAt: number | null;
  revokedAt: string | null;
}

export interface NewSession {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: number;
  lastSeenAt: number;
}

export interface UserReads {
  get(id: string): Promise<UserRecord | undefined>;
  byUsername(username: string): Promise<UserWithHash | undefined>;
  /** Every account, oldest first. */
  list(): Promise<UserRecord[]>;
  /** Enabled accounts (of one role). */
  countActive(role?: Role): Promise<number>;
}

export interface UserWrites {
  insert(user: NewUser): Promise<void>;
  update(id: string, patch: UserPatch): Promise<void>;
}

export interface SessionReads {
  byHash(tokenHash: string): Promise<SessionRecord | undefined>;
  /**
   * Records the operator's activity (epoch ms). Like a lease renewal, a direct write outside
   * `change`: one per minute of use at most, too frequent and too empty for an audit event.
   */
  touch(id: string, at: number): Promise<void>;
}

export interface SessionWrites {
  insert(session: NewSession): Promise<void>;
  revoke(id: string, at: string): Promise<void>;
  /** Deletes sessions that expired before `now` (epoch ms); returns how many. */
  pruneExpired(now: number): Promise<number>;
  /** Ends every open session of a user (disabled, password or role changed); returns how many. */
  revokeForUser(userId: string, at: string): Promise<number>;
}

import { and, asc, count, eq, isNull, lt } from 'drizzle-orm';
import type { Role } from '../store.js';
import type { NewSession, NewUser, SessionRecord, UserPatch, UserRecord, UserWithHash } from '../users.js';
import { first, type TableDb, type Tables } from './table-db.js';

function toUser(row: Tables['users']['$inferSelect']): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    passwordHash: row.passwordHash,
    failedAttempts: row.failedAttempts,
    lockedUntil: row.lockedUntil,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    totpEnrolledAt: row.totpEnrolledAt,
    totpSecret: row.totpSecret,
    totpPendingSecret: row.totpPendingSecret,
    totpLastStep: row.totpLastStep,
    totpRecoveryHashes: row.totpRecoveryHashes === null ? [] : (JSON.parse(row.totpRecoveryHashes) as string[]),
  };
}

const withoutHash = ({
  passwordHash: _hash,
  totpSecret: _secret,
  totpPendingSecret: _pending,
  totpLastStep: _step,
  totpRecoveryHashes: _recovery,
  ...user
}: UserWithHash): UserRecord => user;

function toSession(row: Tables['sessions']['$inferSelect']): SessionRecord {
  return { id: row.id, userId: row.userId, createdAt: row.createdAt, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt, revokedAt: row.revokedAt };
}

/** User and session writes inside a transaction; `touch` marks that state was written. */
export function userWrites({ db, t }: TableDb, nowIso: () => string, touch: () => void) {
  return {
    users: {
      insert: async (u: NewUser): Promise<void> => {
        touch();
        await db.insert(t.users).values({
          ...u,
          failedAttempts: 0,
          lockedUntil: null,
          createdAt: nowIso(),
          disabledAt: null,
          totpSecret: null,
          totpEnrolledAt: null,
          totpLastStep: null,
          totpPendingSecret: null,
        });
      },
      update: async (id: string, patch: UserPatch): Promise<void> => {
        touch();
        const { totpRecoveryHashes, ...rest } = patch;
        await db
          .update(t.users)
          .set({
            ...rest,
            ...(totpRecoveryHashes !== undefined ? { totpRecoveryHashes: totpRecoveryHashes.length ? JSON.stringify(totpRecoveryHashes) : null } : {}),
          })
          .where(eq(t.users.id, id));
      },
    },
    sessions: {
      insert: async (s: NewSession): Promise<void> => {
        touch();
        await db.insert(t.sessions).values({ ...s, createdAt: nowIso(), revokedAt: null });
      },
      revoke: async (id: string, at: string): Promise<void> => {
        touch();
        await db.update(t.sessions).set({ revokedAt: at }).where(eq(t.sessions.id, id));
      },
      pruneExpired: async (now: number): Promise<number> => {
        touch();
        return (await db.delete(t.sessions).where(lt(t.sessions.expiresAt, now)).returning({ id: t.sessions.id })).length;
      },
      revokeForUser: async (userId: string, at: string): Promise<number> => {
        touch();
        const revoked = await db
          .update(t.sessions)
          .set({ revokedAt: at })
          .where(and(eq(t.sessions.userId, userId), isNull(t.sessions.revokedAt)))
          .returning({ id: t.sessions.id });
        return revoked.length;
      },
    },
  };
}

/** Reads outside transactions (committed data only). */
export function userReads({ db, t }: TableDb) {
  return {
    users: {
      get: async (id: string): Promise<UserRecord | undefined> => {
        const row = await first(db.select().from(t.users).where(eq(t.users.id, id)));
        return row ? withoutHash(toUser(row)) : undefined;
      },
      byUsername: async (username: string): Promise<UserWithHash | undefined> => {
        const row = await first(db.select().from(t.users).where(eq(t.users.username, username)));
        return row ? toUser(row) : undefined;
      },
      list: async (): Promise<UserRecord[]> =>
        (await db.select().from(t.users).orderBy(asc(t.users.createdAt), asc(t.users.id))).map((row) => withoutHash(toUser(row))),
      countActive: async (role?: Role): Promise<number> => {
        const where = role ? and(isNull(t.users.disabledAt), eq(t.users.role, role)) : isNull(t.users.disabledAt);
        return (await first(db.select({ n: count() }).from(t.users).where(where)))?.n ?? 0;
      },
    },
    sessions: {
      byHash: async (tokenHash: string): Promise<SessionRecord | undefined> => {
        const row = await first(db.select().from(t.sessions).where(eq(t.sessions.tokenHash, tokenHash)));
        return row ? toSession(row) : undefined;
      },
    },
  };
}

/** The operator's last activity on a session (epoch ms), only ever moved forward. */
export async function touchSession({ db, t }: TableDb, id: string, at: number): Promise<void> {
  await db
    .update(t.sessions)
    .set({ lastSeenAt: at })
    .where(and(eq(t.sessions.id, id), isNull(t.sessions.revokedAt)));
}

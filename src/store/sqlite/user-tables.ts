import { and, asc, count, eq, isNull, lt } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Role } from '../store.js';
import type { NewSession, NewUser, SessionRecord, UserPatch, UserRecord, UserWithHash } from '../users.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

function toUser(row: typeof schema.users.$inferSelect): UserWithHash {
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

function toSession(row: typeof schema.sessions.$inferSelect): SessionRecord {
  return { id: row.id, userId: row.userId, createdAt: row.createdAt, expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt, revokedAt: row.revokedAt };
}

/** User and session writes inside a transaction; `touch` marks that state was written. */
export function userWrites(w: Db, nowIso: () => string, touch: () => void) {
  return {
    users: {
      insert: async (u: NewUser): Promise<void> => {
        touch();
        w.insert(schema.users)
          .values({
            ...u,
            failedAttempts: 0,
            lockedUntil: null,
            createdAt: nowIso(),
            disabledAt: null,
            totpSecret: null,
            totpEnrolledAt: null,
            totpLastStep: null,
            totpPendingSecret: null,
          })
          .run();
      },
      update: async (id: string, patch: UserPatch): Promise<void> => {
        touch();
        const { totpRecoveryHashes, ...rest } = patch;
        w.update(schema.users)
          .set({
            ...rest,
            ...(totpRecoveryHashes !== undefined ? { totpRecoveryHashes: totpRecoveryHashes.length ? JSON.stringify(totpRecoveryHashes) : null } : {}),
          })
          .where(eq(schema.users.id, id))
          .run();
      },
    },
    sessions: {
      insert: async (s: NewSession): Promise<void> => {
        touch();
        w.insert(schema.sessions)
          .values({ ...s, createdAt: nowIso(), revokedAt: null })
          .run();
      },
      revoke: async (id: string, at: string): Promise<void> => {
        touch();
        w.update(schema.sessions).set({ revokedAt: at }).where(eq(schema.sessions.id, id)).run();
      },
      pruneExpired: async (now: number): Promise<number> => {
        touch();
        return w.delete(schema.sessions).where(lt(schema.sessions.expiresAt, now)).run().changes;
      },
      revokeForUser: async (userId: string, at: string): Promise<number> => {
        touch();
        return w
          .update(schema.sessions)
          .set({ revokedAt: at })
          .where(and(eq(schema.sessions.userId, userId), isNull(schema.sessions.revokedAt)))
          .run().changes;
      },
    },
  };
}

/** Reads outside transactions (committed data only). */
export function userReads(r: Db) {
  return {
    users: {
      get: async (id: string): Promise<UserRecord | undefined> => {
        const row = r.select().from(schema.users).where(eq(schema.users.id, id)).get();
        return row ? withoutHash(toUser(row)) : undefined;
      },
      byUsername: async (username: string): Promise<UserWithHash | undefined> => {
        const row = r.select().from(schema.users).where(eq(schema.users.username, username)).get();
        return row ? toUser(row) : undefined;
      },
      list: async (): Promise<UserRecord[]> =>
        r
          .select()
          .from(schema.users)
          .orderBy(asc(schema.users.createdAt), asc(schema.users.id))
          .all()
          .map((row) => withoutHash(toUser(row))),
      countActive: async (role?: Role): Promise<number> => {
        const where = role ? and(isNull(schema.users.disabledAt), eq(schema.users.role, role)) : isNull(schema.users.disabledAt);
        return r.select({ n: count() }).from(schema.users).where(where).get()?.n ?? 0;
      },
    },
    sessions: {
      byHash: async (tokenHash: string): Promise<SessionRecord | undefined> => {
        const row = r.select().from(schema.sessions).where(eq(schema.sessions.tokenHash, tokenHash)).get();
        return row ? toSession(row) : undefined;
      },
    },
  };
}

/** The operator's last activity on a session (epoch ms), only ever moved forward. */
export function touchSession(w: Db, id: string, at: number): void {
  w.update(schema.sessions)
    .set({ lastSeenAt: at })
    .where(and(eq(schema.sessions.id, id), isNull(schema.sessions.revokedAt)))
    .run();
}

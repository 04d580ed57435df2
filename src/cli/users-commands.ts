import { generatePassword, hashPassword } from '../auth/passwords.js';
import { createUser, resetTotp } from '../auth/sessions.js';
import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { roles, type Role } from '../store/store.js';
import type { Print } from './commands.js';
import { withStore } from './with-store.js';

/** Run on the appliance host by its operator: the audit trail records the CLI as the actor. */
const ACTOR = 'cli:users';

export function parseRole(value: string | undefined): Role {
  if (value === undefined) throw new ApplianceError('USAGE', `--role is required (${roles.join(', ')})`);
  if (!(roles as readonly string[]).includes(value)) throw new ApplianceError('USAGE', `--role must be one of ${roles.join(', ')}`);
  return value as Role;
}

/** `mpegflow users add NAME --role R`: prints the generated password once (only its scrypt hash is kept). */
export async function usersAddCommand(print: Print, cfg: Config, username: string, role: Role): Promise<number> {
  const password = generatePassword();
  const user = await withStore(cfg, (store) => createUser(store, { username, role, password }, ACTOR));
  print(`User ${user.username} (${user.role}) created. Password (shown once): ${password}`);
  return 0;
}

export async function usersListCommand(print: Print, cfg: Config): Promise<number> {
  const users = await withStore(cfg, (store) => store.users.list());
  if (users.length === 0) print('no users');
  for (const u of users) {
    const locked = u.lockedUntil !== null && u.lockedUntil > Date.now();
    const secondFactor = u.totpEnrolledAt ? 'totp' : cfg.sessions.secondFactorRoles.includes(u.role) ? 'totp-not-enrolled' : 'password-only';
    print(`${u.username}\t${u.role}\t${u.disabledAt ? 'disabled' : locked ? 'locked' : 'active'}\t${u.createdAt}\t${secondFactor}`);
  }
  return 0;
}

/** `mpegflow users reset-password NAME`: a new generated password, unlocks the account, ends its sessions. */
export async function usersResetPasswordCommand(print: Print, cfg: Config, username: string): Promise<number> {
  const password = generatePassword();
  await withStore(cfg, async (store) => {
    const user = await store.users.byUsername(username);
    if (!user) throw new ApplianceError('NOT_FOUND', `no user ${username}`);
    const passwordHash = await hashPassword(password);
    await store.change(async (tx) => {
      await tx.users.update(user.id, { passwordHash, failedAttempts: 0, lockedUntil: null });
      const ended = await tx.sessions.revokeForUser(user.id, new Date().toISOString());
      await tx.audit({
        type: 'user.changed',
        actor: ACTOR,
        payload: { userId: user.id, username, passwordChanged: true, unlocked: true, sessionsEnded: ended },
      });
    });
  });
  print(`New password for ${username} (shown once): ${password}`);
  return 0;
}

/** `mpegflow users reset-totp NAME`: removes the account's second factor (a lost phone); it enrolls again at its next sign-in. */
export async function usersResetTotpCommand(print: Print, cfg: Config, username: string): Promise<number> {
  let ended = 0;
  await withStore(cfg, async (store) => {
    const user = await store.users.byUsername(username);
    if (!user) throw new ApplianceError('NOT_FOUND', `no user ${username}`);
    ended = await resetTotp(store, user.id, ACTOR);
  });
  print(`Second factor of ${username} removed (${ended} session(s) ended); it enrolls an authenticator app again at its next sign-in`);
  return 0;
}

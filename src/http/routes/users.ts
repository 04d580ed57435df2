import { Hono } from 'hono';
import { z } from 'zod';
import { generatePassword, hashPassword, passwordProblem } from '../../auth/passwords.js';
import { createUser, resetTotp } from '../../auth/sessions.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import { roles, type Role, type Store } from '../../store/store.js';
import type { UserPatch } from '../../store/users.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { readJson } from '../validation.js';
import type { UserList, UserWithPassword } from '../schemas/accounts.js';

const role = z.enum(roles as [Role, ...Role[]]);
const newUserBody = z.object({ username: z.string().min(1).max(64), role, password: z.string().max(200).optional() }).strict();
const patchBody = z
  .object({
    role: role.optional(),
    disabled: z.boolean().optional(),
    password: z.string().max(200).optional(),
    resetPassword: z.literal(true).optional(),
    unlock: z.literal(true).optional(),
    /** Removes the second factor (a lost phone): the account enrolls again at its next sign-in. */
    resetTotp: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of role, disabled, password, resetPassword, unlock, resetTotp')
  .refine((b) => !(b.password !== undefined && b.resetPassword), 'give password or resetPassword, not both');

/** `/api/v1/users`: admins create, change, lock out and unlock operator accounts; every action is audited. */
export function userRoutes(store: Store, now: () => Date = () => new Date()) {
  const admin = requireRole('admin');
  return new Hono<HttpEnv>()
    .get('/users', admin, async (c) => c.json({ items: await store.users.list() } satisfies UserList))
    .post('/users', admin, async (c) => {
      const body = await readJson(c, newUserBody);
      const password = body.password ?? generatePassword();
      const user = await createUser(store, { username: body.username, role: body.role, password }, actorOf(c.get('principal')));
      // A generated password is shown once, here; only its scrypt hash is kept.
      return c.json({ ...user, ...(body.password === undefined ? { password } : {}) } satisfies UserWithPassword, 201);
    })
    .patch('/users/:id', admin, async (c) => {
      const id = c.req.param('id');
      const body = await readJson(c, patchBody);
      // resetPassword: the appliance picks the new password and answers it once.
      const generated = body.resetPassword ? generatePassword() : undefined;
      if (generated !== undefined) body.password = generated;
      const user = await store.users.get(id);
      if (!user) throw new ApplianceError('NOT_FOUND', `no user ${id.slice(0, 100)}`);
      const losesAdmin = user.role === 'admin' && !user.disabledAt && ((body.role !== undefined && body.role !== 'admin') || body.disabled === true);
      if (losesAdmin && (await store.users.countActive('admin')) <= 1 && (await store.tokens.countActive('admin')) === 0) {
        throw new ApplianceError('LAST_ADMIN', 'refusing to remove the last admin (no admin account or admin token would remain)');
      }
      if (body.password !== undefined) {
        const weak = passwordProblem(body.password, user.username);
        if (weak) throw new ApplianceError('VALIDATION_FAILED', `password: ${weak}`);
      }
      const at = now().toISOString();
      if (body.resetTotp) await resetTotp(store, id, actorOf(c.get('principal')), now);
      const patch: UserPatch = {
        ...(body.role !== undefined ? { role: body.role } : {}),
        ...(body.disabled !== undefined ? { disabledAt: body.disabled ? at : null } : {}),
        ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
        ...(body.unlock ? { failedAttempts: 0, lockedUntil: null } : {}),
      };
      if (Object.keys(body).every((k) => k === 'resetTotp')) return c.json((await store.users.get(id)) satisfies UserWithPassword | undefined);
      await store.change(async (tx) => {
        await tx.users.update(id, patch);
        // A new role, a new password or a disabled account ends the user's open sessions.
        const ended = body.role !== undefined || body.disabled === true || body.password !== undefined ? await tx.sessions.revokeForUser(id, at) : 0;
        await tx.audit({
          type: 'user.changed',
          actor: actorOf(c.get('principal')),
          payload: {
            userId: id,
            username: user.username,
            ...(body.role !== undefined ? { role: body.role } : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            passwordChanged: body.password !== undefined,
            unlocked: body.unlock === true,
            sessionsEnded: ended,
          },
        });
      });
      const changed = await store.users.get(id);
      if (!changed) throw new ApplianceError('NOT_FOUND', `no user ${id.slice(0, 100)}`);
      return c.json({ ...changed, ...(generated !== undefined ? { password: generated } : {}) } satisfies UserWithPassword);
    });
}

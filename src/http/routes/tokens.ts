import { Hono } from 'hono';
import { z } from 'zod';
import { generateToken, hashToken, newTokenId } from '../../auth/tokens.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import { roles, type Role, type Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { readJson } from '../validation.js';
import type { IssuedToken, TokenList, Whoami } from '../schemas/accounts.js';

const newTokenBody = z
  .object({
    name: z.string().min(1).max(100),
    role: z.enum(roles as [Role, ...Role[]]),
    /** Absent: 90 days from now. `null`: never (said in the audit event). */
    expiresAt: z.iso.datetime().nullable().optional(),
  })
  .strict();

/** API tokens expire by default: a forgotten one stops working on its own. */
export const DEFAULT_TOKEN_DAYS = 90;

/** `/api/v1/tokens`: admins issue and revoke API tokens; each action is audited. */
export function tokenRoutes(store: Store, now: () => Date = () => new Date()) {
  return new Hono<HttpEnv>()
    .get('/whoami', (c) => {
      const p = c.get('principal');
      return c.json({ id: p.id, name: p.name, role: p.role } satisfies Whoami);
    })
    .get('/tokens', requireRole('admin'), async (c) => c.json({ items: await store.tokens.list() } satisfies TokenList))
    .post('/tokens', requireRole('admin'), async (c) => {
      const body = await readJson(c, newTokenBody);
      const token = generateToken();
      const id = newTokenId();
      const actor = actorOf(c.get('principal'));
      const expiresAt = body.expiresAt === undefined ? new Date(now().getTime() + DEFAULT_TOKEN_DAYS * 86_400_000).toISOString() : body.expiresAt;
      await store.change(async (tx) => {
        await tx.tokens.insert({ id, name: body.name, role: body.role, tokenHash: hashToken(token), expiresAt });
        await tx.audit({
          type: 'api_token.issued',
          actor,
          payload: { tokenId: id, name: body.name, role: body.role, expiresAt, ...(expiresAt === null ? { neverExpires: true } : {}) },
        });
      });
      return c.json({ id, name: body.name, role: body.role, token, expiresAt } satisfies IssuedToken, 201);
    })
    .delete('/tokens/:id', requireRole('admin'), async (c) => {
      const id = c.req.param('id');
      const existing = (await store.tokens.list()).find((t) => t.id === id);
      if (!existing) throw new ApplianceError('NOT_FOUND', `no token ${id}`);
      if (existing.revokedAt) throw new ApplianceError('CONFLICT', `token ${id} is already revoked`);
      if (existing.role === 'admin' && (await store.tokens.countActive('admin')) <= 1) {
        throw new ApplianceError('LAST_ADMIN', 'refusing to revoke the last admin token');
      }
      const at = now().toISOString();
      await store.change(async (tx) => {
        await tx.tokens.revoke(id, at);
        await tx.audit({ type: 'api_token.revoked', actor: actorOf(c.get('principal')), payload: { tokenId: id } });
      });
      return c.body(null, 204);
    });
}

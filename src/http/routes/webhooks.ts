import { Hono } from 'hono';
import { z } from 'zod';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { WebhookAllowList } from '../../events/webhooks/allow-list.js';
import { disableWebhook, publicDelivery, publicWebhook, registerWebhook, WEBHOOK_EVENT_TYPES } from '../../events/webhooks/registry.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { readJson } from '../validation.js';
import type { DeliveryList, Webhook, WebhookList } from '../schemas/system.js';

export const newWebhookBody = z
  .object({
    url: z.string().min(1).max(2048),
    secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
  })
  .strict();

const deliveriesQuery = z
  .object({
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/**
 * `/api/v1/webhooks`: admins register (POST) and disable (DELETE) webhook targets, each
 * action audited; admins and auditors read webhooks and their deliveries. Secrets are
 * returned once, by the POST that created them.
 */
export function webhookRoutes(deps: { store: Store; allowList: WebhookAllowList; now?: () => Date }) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const found = async (id: string) => {
    const webhook = await store.webhooks.get(id);
    if (!webhook) throw new ApplianceError('NOT_FOUND', `no webhook ${id}`);
    return webhook;
  };
  return new Hono<HttpEnv>()
    .get('/webhooks', requireRole('admin', 'auditor'), async (c) => {
      const all = c.req.query('all') === 'true';
      return c.json({ items: (await store.webhooks.list({ includeDisabled: all })).map(publicWebhook) } satisfies WebhookList);
    })
    .post('/webhooks', requireRole('admin'), async (c) => {
      const body = await readJson(c, newWebhookBody);
      const active = await store.webhooks.list();
      const url = deps.allowList.check(body.url);
      if (active.some((w) => w.url === url)) throw new ApplianceError('WEBHOOK_EXISTS', `a webhook for ${url} is already registered`);
      const { webhook, secret } = await registerWebhook(store, deps.allowList, body, actorOf(c.get('principal')));
      return c.json({ ...webhook, secret }, 201);
    })
    .get('/webhooks/:id', requireRole('admin', 'auditor'), async (c) => c.json(publicWebhook(await found(c.req.param('id'))) satisfies Webhook))
    .delete('/webhooks/:id', requireRole('admin'), async (c) => {
      await disableWebhook(store, c.req.param('id'), actorOf(c.get('principal')), now().toISOString());
      return c.body(null, 204);
    })
    .get('/webhooks/:id/deliveries', requireRole('admin', 'auditor'), async (c) => {
      const webhook = await found(c.req.param('id'));
      const q = deliveriesQuery.safeParse(c.req.query());
      if (!q.success) {
        const issue = q.error.issues[0];
        const what =
          issue?.code === 'unrecognized_keys'
            ? `${issue.keys.join(', ')}: unknown query parameter`
            : `${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'}`;
        throw new ApplianceError('VALIDATION_FAILED', what);
      }
      const items = await store.webhooks.deliveries(webhook.id, {
        ...(q.data.status ? { status: q.data.status } : {}),
        ...(q.data.limit ? { limit: q.data.limit } : {}),
      });
      return c.json({ items: items.map(publicDelivery) } satisfies DeliveryList);
    });
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Store, WebhookDelivery, WebhookRecord } from '../../store/store.js';
import type { WebhookAllowList } from './allow-list.js';

/** Live event types a webhook can receive: state changes only (never progress ticks). */
export const WEBHOOK_EVENT_TYPES = ['job.state', 'task.state'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A webhook as the API shows it: never its secret. */
export type PublicWebhook = Omit<WebhookRecord, 'secret'>;

export function publicWebhook(w: WebhookRecord): PublicWebhook {
  const { secret: _secret, ...rest } = w;
  return rest;
}

/** A delivery as the API shows it: the body parsed, times as ISO-8601. */
export function publicDelivery(d: WebhookDelivery) {
  const { body, nextAttemptAt, ...rest } = d;
  return { ...rest, nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt).toISOString(), body: body ? (JSON.parse(body) as unknown) : null };
}

export function newWebhookId(): string {
  return `wh_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

export function newDeliveryId(): string {
  return `whd_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** A config webhook keeps one id across restarts: derived from its URL. */
export function configWebhookId(url: string): string {
  return `wh_cfg_${createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 16)}`;
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Registers a webhook through the API (admin); audited `webhook.registered` (never with the secret). */
export async function registerWebhook(
  store: Store,
  allowList: WebhookAllowList,
  input: { url: string; secret?: string | undefined; events?: readonly WebhookEventType[] | undefined },
  actor: string,
): Promise<{ webhook: PublicWebhook; secret: string }> {
  const url = allowList.check(input.url);
  const secret = input.secret ?? generateWebhookSecret();
  const events = [...new Set(input.events ?? WEBHOOK_EVENT_TYPES)];
  const id = newWebhookId();
  await store.change(async (tx) => {
    await tx.webhooks.insert({ id, url, secret, events, source: 'api' });
    await tx.audit({ type: 'webhook.registered', actor, payload: { webhookId: id, url, events, source: 'api', secretSha256: sha256(secret) } });
  });
  const webhook = await store.webhooks.get(id);
  if (!webhook) throw new ApplianceError('INTERNAL', `webhook ${id} vanished after registration`);
  return { webhook: publicWebhook(webhook), secret };
}

/** Disables an API webhook (admin); its pending deliveries end `failed`. Config webhooks are managed by the config file. */
export async function disableWebhook(store: Store, id: string, actor: string, at: string): Promise<void> {
  const webhook = await store.webhooks.get(id);
  if (!webhook) throw new ApplianceError('NOT_FOUND', `no webhook ${id}`);
  if (webhook.source === 'config') {
    throw new ApplianceError('WEBHOOK_FROM_CONFIG', `webhook ${id} comes from the config file; remove it there and restart`);
  }
  if (webhook.disabledAt) throw new ApplianceError('CONFLICT', `webhook ${id} is already disabled`);
  await store.change(async (tx) => {
    await tx.webhooks.update(id, { disabledAt: at });
    await tx.audit({ type: 'webhook.disabled', actor, payload: { webhookId: id, url: webhook.url, reason: 'disabled through the API' } });
  });
}

/** The sha256 of a secret: lets an auditor tell which secret signed, without holding it. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Makes the `webhooks` table match the config file's `webhooks` (start-up): new ones are
 * registered, changed secrets updated, ones removed from the file disabled. Each change is
 * audited in one transaction, actor `system`.
 */
export async function syncConfigWebhooks(
  store: Store,
  configured: ReadonlyArray<{ url: string; secret: string }>,
  actor = 'system',
): Promise<{ registered: number; updated: number; disabled: number }> {
  const existing = new Map((await store.webhooks.list({ includeDisabled: true })).filter((w) => w.source === 'config').map((w) => [w.id, w]));
  const wanted = new Map(configured.map((w) => [configWebhookId(new URL(w.url).href), { url: new URL(w.url).href, secret: w.secret }]));
  const counts = { registered: 0, updated: 0, disabled: 0 };
  const changes: Array<(tx: Parameters<Parameters<Store['change']>[0]>[0]) => Promise<void>> = [];
  for (const [id, w] of wanted) {
    const row = existing.get(id);
    if (!row) {
      counts.registered++;
      changes.push(async (tx) => {
        await tx.webhooks.insert({ id, url: w.url, secret: w.secret, events: [...WEBHOOK_EVENT_TYPES], source: 'config' });
        await tx.audit({
          type: 'webhook.registered',
          actor,
          payload: { webhookId: id, url: w.url, events: WEBHOOK_EVENT_TYPES, source: 'config', secretSha256: sha256(w.secret) },
        });
      });
    } else if (row.secret !== w.secret || row.disabledAt !== null) {
      counts.updated++;
      changes.push(async (tx) => {
        await tx.webhooks.update(id, { secret: w.secret, disabledAt: null });
        await tx.audit({
          type: 'webhook.updated',
          actor,
          payload: {
            webhookId: id,
            url: w.url,
            source: 'config',
            secretChanged: row.secret !== w.secret,
            reenabled: row.disabledAt !== null,
            secretSha256: sha256(w.secret),
          },
        });
      });
    }
  }
  const at = new Date().toISOString();
  for (const [id, row] of existing) {
    if (wanted.has(id) || row.disabledAt !== null) continue;
    counts.disabled++;
    changes.push(async (tx) => {
      await tx.webhooks.update(id, { disabledAt: at });
      await tx.audit({ type: 'webhook.disabled', actor, payload: { webhookId: id, url: row.url, reason: 'removed from the config file' } });
    });
  }
  if (changes.length) {
    await store.change(async (tx) => {
      for (const change of changes) await change(tx);
    });
  }
  return counts;
}

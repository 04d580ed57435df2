import { and, asc, count, desc, eq, isNull, lte, min } from 'drizzle-orm';
import type { NewWebhookDelivery, WebhookDelivery, WebhookDeliveryPatch, WebhookDeliveryStatus, WebhookRecord, WebhookSource } from '../store.js';
import { first, type TableDb, type Tables } from './table-db.js';

function toWebhook(row: Tables['webhooks']['$inferSelect']): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    secret: row.secret,
    events: JSON.parse(row.events) as string[],
    source: row.source as WebhookSource,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
  };
}

function toDelivery(row: Tables['webhookDeliveries']['$inferSelect']): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhookId,
    eventSeq: row.eventSeq,
    eventType: row.eventType,
    jobId: row.jobId,
    body: row.body,
    status: row.status as WebhookDeliveryStatus,
    attempt: row.attempt,
    responseCode: row.responseCode,
    error: row.error,
    nextAttemptAt: row.nextAttemptAt,
    lastAttemptAt: row.lastAttemptAt,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
  };
}

/** Webhook and delivery writes inside a transaction; `touch` marks that state was written. */
export function webhookWrites({ db, t }: TableDb, nowIso: () => string, touch: () => void) {
  return {
    insert: async (webhook: Omit<WebhookRecord, 'createdAt' | 'disabledAt'>): Promise<void> => {
      touch();
      await db.insert(t.webhooks).values({ ...webhook, events: JSON.stringify(webhook.events), createdAt: nowIso(), disabledAt: null });
    },
    update: async (id: string, patch: Partial<Pick<WebhookRecord, 'url' | 'secret' | 'events'>> & { disabledAt?: string | null }): Promise<void> => {
      touch();
      const { events, ...rest } = patch;
      await db
        .update(t.webhooks)
        .set({ ...rest, ...(events ? { events: JSON.stringify(events) } : {}) })
        .where(eq(t.webhooks.id, id));
    },
    insertDelivery: async (d: NewWebhookDelivery): Promise<void> => {
      touch();
      await db
        .insert(t.webhookDeliveries)
        .values({ ...d, attempt: 0, status: 'pending', responseCode: null, error: null, lastAttemptAt: null, createdAt: nowIso(), deliveredAt: null });
    },
    updateDelivery: async (id: string, patch: WebhookDeliveryPatch): Promise<void> => {
      touch();
      await db.update(t.webhookDeliveries).set(patch).where(eq(t.webhookDeliveries.id, id));
    },
  };
}

/** Webhook reads (the reader connection). */
export function webhookReads({ db, t }: TableDb) {
  const d = t.webhookDeliveries;
  return {
    list: async (options: { includeDisabled?: boolean } = {}): Promise<WebhookRecord[]> =>
      (
        await db
          .select()
          .from(t.webhooks)
          .where(options.includeDisabled ? undefined : isNull(t.webhooks.disabledAt))
          .orderBy(asc(t.webhooks.createdAt), asc(t.webhooks.id))
      ).map(toWebhook),
    get: async (id: string): Promise<WebhookRecord | undefined> => {
      const row = await first(db.select().from(t.webhooks).where(eq(t.webhooks.id, id)));
      return row ? toWebhook(row) : undefined;
    },
    getDelivery: async (id: string): Promise<WebhookDelivery | undefined> => {
      const row = await first(db.select().from(d).where(eq(d.id, id)));
      return row ? toDelivery(row) : undefined;
    },
    deliveries: async (webhookId: string, query: { status?: WebhookDeliveryStatus; limit?: number } = {}): Promise<WebhookDelivery[]> =>
      (
        await db
          .select()
          .from(d)
          .where(query.status ? and(eq(d.webhookId, webhookId), eq(d.status, query.status)) : eq(d.webhookId, webhookId))
          .orderBy(desc(d.eventSeq), desc(d.id))
          .limit(Math.min(Math.max(query.limit ?? 100, 1), 1000))
      ).map(toDelivery),
    due: async (now: number, limit: number): Promise<WebhookDelivery[]> =>
      (
        await db
          .select()
          .from(d)
          .where(and(eq(d.status, 'pending'), lte(d.nextAttemptAt, now)))
          .orderBy(asc(d.nextAttemptAt), asc(d.eventSeq))
          .limit(limit)
      ).map(toDelivery),
    nextDue: async (): Promise<number | null> =>
      (
        await first(
          db
            .select({ at: min(d.nextAttemptAt) })
            .from(d)
            .where(eq(d.status, 'pending')),
        )
      )?.at ?? null,
  };
}

/** Jobs per state, for metrics. */
export async function jobsByState({ db, t }: TableDb): Promise<Record<string, number>> {
  const rows = await db.select({ state: t.jobs.state, n: count() }).from(t.jobs).groupBy(t.jobs.state);
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

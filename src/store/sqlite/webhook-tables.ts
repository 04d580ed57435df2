import { and, asc, count, desc, eq, isNull, lte, min } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { NewWebhookDelivery, WebhookDelivery, WebhookDeliveryPatch, WebhookDeliveryStatus, WebhookRecord, WebhookSource } from '../store.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

function toWebhook(row: typeof schema.webhooks.$inferSelect): WebhookRecord {
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

function toDelivery(row: typeof schema.webhookDeliveries.$inferSelect): WebhookDelivery {
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
export function webhookWrites(w: Db, nowIso: () => string, touch: () => void) {
  return {
    insert: async (webhook: Omit<WebhookRecord, 'createdAt' | 'disabledAt'>): Promise<void> => {
      touch();
      w.insert(schema.webhooks)
        .values({ ...webhook, events: JSON.stringify(webhook.events), createdAt: nowIso(), disabledAt: null })
        .run();
    },
    update: async (id: string, patch: Partial<Pick<WebhookRecord, 'url' | 'secret' | 'events'>> & { disabledAt?: string | null }): Promise<void> => {
      touch();
      const { events, ...rest } = patch;
      w.update(schema.webhooks)
        .set({ ...rest, ...(events ? { events: JSON.stringify(events) } : {}) })
        .where(eq(schema.webhooks.id, id))
        .run();
    },
    insertDelivery: async (d: NewWebhookDelivery): Promise<void> => {
      touch();
      w.insert(schema.webhookDeliveries)
        .values({ ...d, attempt: 0, status: 'pending', responseCode: null, error: null, lastAttemptAt: null, createdAt: nowIso(), deliveredAt: null })
        .run();
    },
    updateDelivery: async (id: string, patch: WebhookDeliveryPatch): Promise<void> => {
      touch();
      w.update(schema.webhookDeliveries).set(patch).where(eq(schema.webhookDeliveries.id, id)).run();
    },
  };
}

/** Webhook reads (the reader connection). */
export function webhookReads(r: Db) {
  return {
    list: async (options: { includeDisabled?: boolean } = {}): Promise<WebhookRecord[]> =>
      r
        .select()
        .from(schema.webhooks)
        .where(options.includeDisabled ? undefined : isNull(schema.webhooks.disabledAt))
        .orderBy(asc(schema.webhooks.createdAt), asc(schema.webhooks.id))
        .all()
        .map(toWebhook),
    get: async (id: string): Promise<WebhookRecord | undefined> => {
      const row = r.select().from(schema.webhooks).where(eq(schema.webhooks.id, id)).get();
      return row ? toWebhook(row) : undefined;
    },
    getDelivery: async (id: string): Promise<WebhookDelivery | undefined> => {
      const row = r.select().from(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.id, id)).get();
      return row ? toDelivery(row) : undefined;
    },
    deliveries: async (webhookId: string, query: { status?: WebhookDeliveryStatus; limit?: number } = {}): Promise<WebhookDelivery[]> =>
      r
        .select()
        .from(schema.webhookDeliveries)
        .where(
          query.status
            ? and(eq(schema.webhookDeliveries.webhookId, webhookId), eq(schema.webhookDeliveries.status, query.status))
            : eq(schema.webhookDeliveries.webhookId, webhookId),
        )
        .orderBy(desc(schema.webhookDeliveries.eventSeq), desc(schema.webhookDeliveries.id))
        .limit(Math.min(Math.max(query.limit ?? 100, 1), 1000))
        .all()
        .map(toDelivery),
    due: async (now: number, limit: number): Promise<WebhookDelivery[]> =>
      r
        .select()
        .from(schema.webhookDeliveries)
        .where(and(eq(schema.webhookDeliveries.status, 'pending'), lte(schema.webhookDeliveries.nextAttemptAt, now)))
        .orderBy(asc(schema.webhookDeliveries.nextAttemptAt), asc(schema.webhookDeliveries.eventSeq))
        .limit(limit)
        .all()
        .map(toDelivery),
    nextDue: async (): Promise<number | null> =>
      r
        .select({ at: min(schema.webhookDeliveries.nextAttemptAt) })
        .from(schema.webhookDeliveries)
        .where(eq(schema.webhookDeliveries.status, 'pending'))
        .get()?.at ?? null,
  };
}

/** Jobs per state, for metrics. */
export function jobsByState(r: Db): Record<string, number> {
  const rows = r.select({ state: schema.jobs.state, n: count() }).from(schema.jobs).groupBy(schema.jobs.state).all();
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

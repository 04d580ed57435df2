import { Agent, fetch as undiciFetch } from 'undici';
import { isRelayed } from '../cluster-relay.js';
import { packageVersion } from '../../config/package-root.js';
import { canonicalJson } from '../../store/audit-chain.js';
import type { Store, WebhookDelivery, WebhookDeliveryPatch } from '../../store/store.js';
import type { Logger } from '../../log/logger.js';
import type { EventBus } from '../event-bus.js';
import type { ApplianceEvent } from '../events.js';
import type { WebhookAllowList } from './allow-list.js';
import { newDeliveryId, WEBHOOK_EVENT_TYPES } from './registry.js';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './signature.js';
import { isCertificateError } from '../../tls/certificate-errors.js';

const ACTOR = 'system';

export interface WebhookDispatcherOptions {
  store: Store;
  bus: EventBus;
  logger: Logger;
  allowList: WebhookAllowList;
  /** Attempts per delivery before it is `failed` (default 6). */
  maxAttempts?: number;
  /** Delay after the first failed attempt; doubles per attempt (default 10 s). */
  backoffBaseMs?: number;
  /** Longest delay between two attempts (default 5 min). */
  backoffMaxMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Deliveries sent at once (default 4). */
  concurrency?: number;
  /** Epoch ms. */
  now?: () => number;
  /** PEM CA certificates an `https://` target's certificate must chain to (config `webhookCaFile`; default: the host's trusted CAs). Never skipped. */
  caPem?: string | undefined;
  /**
   * Whether this node sends now (in a cluster, the node holding the `webhook-dispatch` duty;
   * every node queues the events it originates). Default: always.
   */
  sends?: () => boolean;
  /** With other nodes queueing deliveries, look for due ones at least this often (ms); default: only when told. */
  pollMs?: number;
}

/** Delay before attempt `attempt + 1`, after `attempt` failed ones: base · 2^(attempt-1), capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

type Outcome = { ok: true; responseCode: number } | { ok: false; responseCode: number | null; error: string } | { aborted: true };

/**
 * Durable webhook deliveries. Each job/task state change heard on the bus becomes, in one
 * transaction, one audit event `webhook.event.queued` (the event and its targets) and one
 * `pending` delivery row per enabled webhook. A pump sends due rows (signed, POST, no
 * redirects followed), and records every attempt with its audit event
 * (`webhook.delivery.delivered | retrying | failed`). Pending rows survive a restart and
 * are picked up by the next start: delivery is at least once.
 */
export class WebhookDispatcher {
  readonly #o: Required<Omit<WebhookDispatcherOptions, 'now' | 'caPem' | 'pollMs'>> & { now: () => number; pollMs: number | undefined };
  /** The connection pool: verifies https targets against the configured CA, or the host's. */
  readonly #agent: Agent;
  readonly #inflight = new Map<string, Promise<void>>();
  #enqueued: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #running = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#o = {
      maxAttempts: 6,
      backoffBaseMs: 10_000,
      backoffMaxMs: 5 * 60_000,
      timeoutMs: 10_000,
      concurrency: 4,
      now: () => Date.now(),
      sends: () => true,
      pollMs: undefined,
      ...options,
    };
    this.#agent = new Agent({ connect: { rejectUnauthorized: true, ...(options.caPem !== undefined ? { ca: options.caPem } : {}) } });
  }

  /** Starts listening to the bus and sending (pending deliveries of an earlier run included). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#unsubscribe = this.#o.bus.subscribe((event) => this.#hear(event));
    this.kick();
  }

  /** Stops: every heard event is queued durably first; attempts in flight are abandoned (re-sent after the next start). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#enqueued;
    this.#running = false;
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pumping;
    await Promise.all(this.#inflight.values());
  }

  /** Resolves once every event heard so far is queued (tests, shutdown). */
  async flushQueue(): Promise<void> {
    await this.#enqueued;
  }

  /** Looks for due deliveries now. */
  kick(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump()
      .catch((err: unknown) => this.#o.logger.error({ err }, 'webhook pump failed'))
      .finally(() => {
        this.#pumping = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  #hear(event: ApplianceEvent): void {
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type)) return;
    if (isRelayed(event)) return; // its own node queued it
    this.#enqueued = this.#enqueued
      .then(() => this.#enqueue(event))
      .catch((err: unknown) => this.#o.logger.error({ err, eventType: event.type }, 'webhook event could not be queued'));
  }

  async #enqueue(event: ApplianceEvent): Promise<void> {
    const { store, allowList } = this.#o;
    const targets = (await store.webhooks.list()).filter((w) => w.events.includes(event.type) && allowList.allows(w.url));
    if (!targets.length) return;
    const jobId = 'jobId' in event ? event.jobId : null;
    const deliveries = targets.map((w) => ({ deliveryId: newDeliveryId(), webhookId: w.id, url: w.url }));
    const firstAttempt = this.#o.now();
    await store.change(async (tx) => {
      const queued = await tx.audit({
        type: 'webhook.event.queued',
        actor: ACTOR,
        jobId,
        payload: { event: event as unknown as Record<string, unknown>, deliveries },
      });
      const body = canonicalJson({ seq: queued.seq, event });
      for (const d of deliveries) {
        await tx.webhooks.insertDelivery({
          id: d.deliveryId,
          webhookId: d.webhookId,
          eventSeq: queued.seq,
          eventType: event.type,
          jobId,
          body,
          nextAttemptAt: firstAttempt,
        });
      }
    });
    this.kick();
  }

  async #pump(): Promise<void> {
    const { store, concurrency, pollMs } = this.#o;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#o.sends()) {
      if (pollMs !== undefined) this.#wakeIn(pollMs);
      return;
    }
    const due = await store.webhooks.due(this.#o.now(), concurrency * 4);
    for (const d of due) {
      if (!this.#running || this.#inflight.size >= concurrency) break;
      if (this.#inflight.has(d.id)) continue;
      const run = this.#attempt(d)
        .catch((err: unknown) => this.#o.logger.error({ err, deliveryId: d.id }, 'webhook attempt could not be recorded'))
        .finally(() => {
          this.#inflight.delete(d.id);
          this.kick();
        });
      this.#inflight.set(d.id, run);
    }
    if (!this.#running) return;
    const next = await store.webhooks.nextDue();
    const wait = next === null ? null : next - this.#o.now();
    // Due rows already in flight: their completion kicks the pump; otherwise wake at the next due time.
    if (wait !== null && this.#inflight.size < concurrency && !(wait <= 0 && this.#inflight.size > 0)) {
      this.#wakeIn(Math.min(Math.max(wait, 10), pollMs ?? 60_000));
    } else if (pollMs !== undefined && this.#inflight.size === 0) {
      this.#wakeIn(pollMs);
    }
  }

  #wakeIn(ms: number): void {
    this.#timer = setTimeout(() => this.kick(), ms);
    this.#timer.unref();
  }

  async #attempt(d: WebhookDelivery): Promise<void> {
    const { store, allowList, maxAttempts } = this.#o;
    const webhook = await store.webhooks.get(d.webhookId);
    let outcome: Outcome;
    let send = false;
    if (!webhook || webhook.disabledAt) outcome = { ok: false, responseCode: null, error: 'webhook disabled; not sent' };
    else if (!allowList.allows(webhook.url))
      outcome = { ok: false, responseCode: null, error: 'target no longer allowed by the config (webhookAllowedHosts); not sent' };
    else {
      send = true;
      outcome = await this.#post(webhook.url, webhook.secret, d);
    }
    if ('aborted' in outcome) return;
    const attempt = d.attempt + 1;
    const at = this.#o.now();
    const final = outcome.ok || !send || attempt >= maxAttempts;
    const status = outcome.ok ? 'delivered' : final ? 'failed' : 'pending';
    const patch: WebhookDeliveryPatch = {
      status,
      attempt,
      responseCode: outcome.responseCode,
      error: outcome.ok ? null : outcome.error,
      nextAttemptAt: final ? null : at + retryDelayMs(attempt, this.#o.backoffBaseMs, this.#o.backoffMaxMs),
      lastAttemptAt: new Date(at).toISOString(),
      ...(outcome.ok ? { deliveredAt: new Date(at).toISOString() } : {}),
    };
    const verdict = status === 'pending' ? 'retrying' : status;
    await store.change(async (tx) => {
      await tx.webhooks.updateDelivery(d.id, patch);
      await tx.audit({
        type: `webhook.delivery.${verdict}`,
        actor: ACTOR,
        jobId: d.jobId,
        payload: {
          deliveryId: d.id,
          webhookId: d.webhookId,
          url: webhook?.url ?? null,
          eventSeq: d.eventSeq,
          eventType: d.eventType,
          attempt,
          responseCode: patch.responseCode,
          error: patch.error,
          nextAttemptAt: patch.nextAttemptAt === null ? null : new Date(patch.nextAttemptAt).toISOString(),
        },
      });
    });
    if (!outcome.ok)
      this.#o.logger.warn(
        { deliveryId: d.id, webhookId: d.webhookId, attempt, responseCode: patch.responseCode, error: patch.error, status },
        'webhook delivery attempt failed',
      );
    this.#o.bus.publish({
      type: 'webhook.delivery',
      at: new Date(at).toISOString(),
      webhookId: d.webhookId,
      deliveryId: d.id,
      attempt,
      status: verdict,
      responseCode: patch.responseCode,
    });
  }

  async #post(url: string, secret: string, d: WebhookDelivery): Promise<Outcome> {
    const timestamp = String(Math.floor(this.#o.now() / 1000));
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.timeoutMs)]);
    try {
      const res = await undiciFetch(url, {
        dispatcher: this.#agent,
        method: 'POST',
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': `MpegFlow-Appliance/${packageVersion}`,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, d.body),
          'X-MpegFlow-Delivery': d.id,
          'X-MpegFlow-Event': d.eventType,
          'X-MpegFlow-Attempt': String(d.attempt + 1),
        },
        body: d.body,
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, responseCode: res.status };
      const why = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, responseCode: res.status, error: `HTTP ${res.status}${why}` };
    } catch (err) {
      if (this.#abort.signal.aborted) return { aborted: true };
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const untrusted = isCertificateError(e.cause?.code);
      const error =
        e.name === 'TimeoutError'
          ? `no answer in ${this.#o.timeoutMs} ms`
          : untrusted
            ? `the target's TLS certificate does not verify (${e.cause?.code}); set webhookCaFile to the CA that issued it`
            : (e.cause?.message ?? e.message);
      return { ok: false, responseCode: null, error };
    }
  }
}

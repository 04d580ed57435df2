import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isRelayed } from '../events/cluster-relay.js';
import { packageVersion } from '../config/package-root.js';
import type { EventBus } from '../events/event-bus.js';
import type { ApplianceEvent } from '../events/events.js';
import type { JobState } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import type { PoolStatus } from '../supervisor/stage-pool.js';

const JOB_STATES: readonly JobState[] = ['queued', 'probing', 'encoding', 'packaging', 'completed', 'partial', 'failed', 'cancelled'];
/** Task durations run from seconds (probe) to hours (a 2160p encode of a feature). */
const DURATION_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

export interface MetricsDeps {
  store: Store;
  bus?: EventBus | undefined;
  pools?: (() => PoolStatus[]) | undefined;
}

/**
 * The appliance's Prometheus metrics, in a registry of its own (never prom-client's global
 * one). Jobs by state and pool load are read at scrape time; task durations, encode fps and
 * webhook failures come from the live event bus.
 */
export class ApplianceMetrics {
  readonly registry = new Registry();
  readonly #unsubscribe: (() => void) | undefined;
  readonly #taskDuration: Histogram<'pool' | 'outcome'>;
  readonly #encodeFps: Gauge<'job_id' | 'rendition'>;
  readonly #attemptFailures: Counter<'webhook_id'>;
  readonly #deliveryFailures: Counter<'webhook_id'>;
  readonly #delivered: Counter<'webhook_id'>;
  /** Running encodes with an fps sample: taskId → labels (removed when the task ends, so labels stay bounded). */
  readonly #fpsLabels = new Map<string, { job_id: string; rendition: string }>();

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    new Gauge({ name: 'mpegflow_build_info', help: 'Appliance version (value is always 1).', labelNames: ['version'], registers }).set(
      { version: packageVersion },
      1,
    );
    new Gauge({
      name: 'mpegflow_jobs',
      help: 'Jobs by state (read from the store at scrape time).',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await deps.store.stats.jobsByState();
        for (const state of new Set([...JOB_STATES, ...Object.keys(counts)])) this.set({ state }, counts[state] ?? 0);
      },
    });
    const pools = deps.pools ?? (() => []);
    const poolGauge = (name: string, help: string, pick: (p: PoolStatus) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers,
        collect() {
          this.reset();
          for (const p of pools()) this.set({ pool: p.name }, pick(p));
        },
      });
    poolGauge('mpegflow_pool_queue_depth', 'Tasks waiting for a slot, per pool.', (p) => p.queued);
    poolGauge('mpegflow_pool_running_tasks', 'Tasks running, per pool.', (p) => p.running);
    poolGauge('mpegflow_pool_slots', 'Slots (concurrent tasks), per pool.', (p) => p.slots);
    this.#taskDuration = new Histogram({
      name: 'mpegflow_task_duration_seconds',
      help: 'Wall time of task attempts, per pool and outcome.',
      labelNames: ['pool', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#encodeFps = new Gauge({
      name: 'mpegflow_encode_fps',
      help: 'Frames per second of each running encode (latest progress).',
      labelNames: ['job_id', 'rendition'],
      registers,
    });
    this.#attemptFailures = new Counter({
      name: 'mpegflow_webhook_attempt_failures_total',
      help: 'Webhook delivery attempts that failed (retried or final).',
      labelNames: ['webhook_id'],
      registers,
    });
    this.#deliveryFailures = new Counter({
      name: 'mpegflow_webhook_delivery_failures_total',
      help: 'Webhook deliveries that failed for good (attempts exhausted or target gone).',
      labelNames: ['webhook_id'],
      registers,
    });
    this.#delivered = new Counter({
      name: 'mpegflow_webhook_deliveries_total',
      help: 'Webhook deliveries acknowledged with a 2xx.',
      labelNames: ['webhook_id'],
      registers,
    });
    this.#unsubscribe = deps.bus?.subscribe((event) => this.#observe(event));
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.#unsubscribe?.();
  }

  #observe(event: ApplianceEvent): void {
    if (isRelayed(event)) return; // another node's: counted where it happened
    switch (event.type) {
      case 'task.progress': {
        if (event.kind !== 'encode' || event.fps === null || !Number.isFinite(event.fps)) return;
        const labels = { job_id: event.jobId, rendition: event.rendition ?? '' };
        this.#fpsLabels.set(event.taskId, labels);
        this.#encodeFps.set(labels, event.fps);
        return;
      }
      case 'task.finished':
        this.#taskDuration.observe({ pool: event.pool, outcome: event.outcome }, event.seconds);
        this.#forgetFps(event.taskId);
        return;
      case 'task.state':
        if (event.state !== 'running') this.#forgetFps(event.taskId);
        return;
      case 'webhook.delivery':
        if (event.status === 'delivered') this.#delivered.inc({ webhook_id: event.webhookId });
        else {
          this.#attemptFailures.inc({ webhook_id: event.webhookId });
          if (event.status === 'failed') this.#deliveryFailures.inc({ webhook_id: event.webhookId });
        }
        return;
      default:
        return;
    }
  }

  #forgetFps(taskId: string): void {
    const labels = this.#fpsLabels.get(taskId);
    if (!labels) return;
    this.#fpsLabels.delete(taskId);
    this.#encodeFps.remove(labels);
  }
}

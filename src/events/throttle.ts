import type { ApplianceEvent } from './events.js';

type ProgressEvent = Extract<ApplianceEvent, { type: 'task.progress' }>;

interface JobWindow {
  /** When the last message for this job went out (ms). */
  lastSentAt: number;
  /** The newest progress per task that is waiting for a slot; insertion order = waiting longest first. */
  pending: Map<string, ProgressEvent>;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface ProgressThrottleOptions {
  /** At most one progress message per job per interval (default 250 ms: 4 per second). */
  intervalMs?: number;
  now?: () => number;
}

const terminalJobStates = new Set(['completed', 'partial', 'failed', 'cancelled']);

/**
 * Rate-limits `task.progress` per job for one consumer: at most one progress message per
 * job per `intervalMs`, coalescing to the newest value per task (tasks of a job take turns).
 * Every other event passes at once; a task's pending progress is flushed just before its
 * state change, and a job's before its job state change, so the last progress is never
 * dropped and order is kept.
 */
export class ProgressThrottle {
  readonly #send: (event: ApplianceEvent) => void;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #jobs = new Map<string, JobWindow>();
  #closed = false;

  constructor(send: (event: ApplianceEvent) => void, options: ProgressThrottleOptions = {}) {
    this.#send = send;
    this.#interval = options.intervalMs ?? 250;
    this.#now = options.now ?? (() => performance.now());
  }

  push(event: ApplianceEvent): void {
    if (this.#closed) return;
    if (event.type === 'task.progress') {
      this.#progress(event);
      return;
    }
    if (event.type === 'task.state' || event.type === 'task.finished') {
      const window = this.#jobs.get(event.jobId);
      const waiting = window?.pending.get(event.taskId);
      if (window && waiting) {
        window.pending.delete(event.taskId);
        this.#emit(window, waiting);
      }
    } else if (event.type === 'job.state') {
      const window = this.#jobs.get(event.jobId);
      if (window) {
        for (const waiting of window.pending.values()) this.#emit(window, waiting);
        window.pending.clear();
        if (terminalJobStates.has(event.state)) this.#drop(event.jobId);
      }
    }
    this.#send(event);
  }

  /** Stops every timer; pending progress is discarded (the consumer is gone). */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#jobs.keys()]) this.#drop(id);
  }

  /** Jobs with a live window (for tests: memory stays bounded). */
  get size(): number {
    return this.#jobs.size;
  }

  #progress(event: ProgressEvent): void {
    let window = this.#jobs.get(event.jobId);
    if (!window) {
      window = { lastSentAt: -Infinity, pending: new Map(), timer: null };
      this.#jobs.set(event.jobId, window);
    }
    window.pending.set(event.taskId, event);
    if (window.timer) return;
    const wait = window.lastSentAt + this.#interval - this.#now();
    if (wait <= 0) this.#slot(event.jobId);
    else this.#arm(event.jobId, window, wait);
  }

  /** A slot opened: send the progress that waited longest, or forget an idle job. */
  #slot(jobId: string): void {
    const window = this.#jobs.get(jobId);
    if (!window) return;
    window.timer = null;
    const first = window.pending.entries().next();
    if (first.done) {
      this.#jobs.delete(jobId);
      return;
    }
    const [taskId, event] = first.value;
    window.pending.delete(taskId);
    this.#emit(window, event);
    this.#arm(jobId, window, this.#interval);
  }

  #arm(jobId: string, window: JobWindow, ms: number): void {
    window.timer = setTimeout(() => this.#slot(jobId), ms);
    window.timer.unref?.();
  }

  #emit(window: JobWindow, event: ApplianceEvent): void {
    window.lastSentAt = this.#now();
    this.#send(event);
  }

  #drop(jobId: string): void {
    const window = this.#jobs.get(jobId);
    if (window?.timer) clearTimeout(window.timer);
    this.#jobs.delete(jobId);
  }
}

import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';

/**
 * A duty run once in the cluster (webhook dispatch, lifecycle sweeps): the node holding its
 * lease runs it. Every `renewMs` each node tries to take or keep it (`ttlMs` after the last
 * renewal a silent holder loses it); `held()` says whether this node may run it now.
 */
export class Duty {
  readonly #o: { store: Store; name: string; owner: string; logger: Logger; ttlMs: number; renewMs: number; onChange?: (held: boolean) => void };
  #held = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { store: Store; name: string; owner: string; logger: Logger; ttlMs?: number; renewMs?: number; onChange?: (held: boolean) => void }) {
    this.#o = { ttlMs: 30_000, renewMs: 10_000, ...options };
  }

  held(): boolean {
    return this.#held;
  }

  /** Tries once now (also what the timer runs). */
  async claim(): Promise<boolean> {
    let held = false;
    let failed = false;
    try {
      held = await this.#o.store.duties.claim(this.#o.name, this.#o.owner, Date.now(), this.#o.ttlMs);
    } catch (err) {
      // Not renewed: another node may take it after the TTL, so this one stops running it now.
      failed = true;
      if (this.#held)
        this.#o.logger.warn({ err, duty: this.#o.name }, 'duty lease could not be renewed (the store is unreachable); not running it until it is');
    }
    if (held !== this.#held) {
      if (!failed) this.#o.logger.info({ duty: this.#o.name, held }, held ? 'this node runs the duty' : 'another node runs the duty');
      this.#held = held;
      this.#o.onChange?.(held);
    }
    return held;
  }

  async start(): Promise<void> {
    await this.claim();
    this.#timer = setInterval(() => void this.claim(), this.#o.renewMs);
    this.#timer.unref();
  }

  /** Stops claiming and gives the duty up, so that another node takes it at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#held) await this.#o.store.duties.release(this.#o.name, this.#o.owner).catch(() => undefined);
    this.#held = false;
  }
}

/** Failed logins allowed from one client address within the window, before it must wait. */
export const MAX_FAILED_LOGINS_PER_ADDRESS = 20;
export const ADDRESS_WINDOW_MS = 10 * 60 * 1000;
/** Addresses remembered at most (the oldest are forgotten first): memory stays bounded. */
const MAX_ADDRESSES = 10_000;

/**
 * Failed logins counted per client address, across user names: after
 * MAX_FAILED_LOGINS_PER_ADDRESS failures within ADDRESS_WINDOW_MS that address is refused
 * until its oldest failure leaves the window. It slows guessing spread over many accounts,
 * which the per-account lockout alone does not. Kept in memory: a restart forgets it.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly limit: number;
  readonly windowMs: number;

  constructor(options: { limit?: number; windowMs?: number } = {}) {
    this.limit = options.limit ?? MAX_FAILED_LOGINS_PER_ADDRESS;
    this.windowMs = options.windowMs ?? ADDRESS_WINDOW_MS;
  }

  /** 0 when `address` may try to log in now, else how long it must wait (ms). */
  waitMs(address: string, now: number): number {
    const recent = this.#recent(address, now);
    return recent.length < this.limit ? 0 : recent[recent.length - this.limit]! + this.windowMs - now;
  }

  /** Counts a failure; true when it is the one that reached the limit. */
  recordFailure(address: string, now: number): boolean {
    const recent = this.#recent(address, now);
    recent.push(now);
    this.#failures.delete(address); // re-inserted last: the Map stays ordered by last failure
    this.#failures.set(address, recent);
    if (this.#failures.size > MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value!);
    return recent.length === this.limit;
  }

  #recent(address: string, now: number): number[] {
    const kept = (this.#failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length === 0) this.#failures.delete(address);
    else this.#failures.set(address, kept);
    return kept;
  }
}

/** What `/healthz` reports: every check must hold for `ok`. */
export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export type HealthChecks = Record<string, HealthCheck>;

export class Health {
  readonly #checks = new Map<string, HealthCheck>();

  set(name: string, check: HealthCheck): void {
    this.#checks.set(name, check);
  }

  report(): { status: 'ok' | 'degraded'; checks: HealthChecks } {
    const checks = Object.fromEntries(this.#checks);
    return { status: [...this.#checks.values()].every((c) => c.ok) ? 'ok' : 'degraded', checks };
  }
}

import { Hono } from 'hono';
import type { Health } from '../health.js';
import type { HttpEnv } from '../http-env.js';
import type { TransportHop } from '../../tls/transport-hops.js';

/**
 * `GET /healthz` (no auth): 200 `{"status":"ok"}`, or 503 `degraded` naming the failed checks;
 * with `inClear`, the names of the hops whose bytes cross in clear (docs/security.md; no
 * address or detail: `mpegflow doctor` says more).
 */
export function healthRoutes(health: Health, transport?: () => Promise<TransportHop[]>) {
  return new Hono<HttpEnv>().get('/healthz', async (c) => {
    const r = health.report();
    // The hops need the store (webhook targets): during an outage /healthz still answers, degraded.
    const hops = transport ? await transport().catch(() => null) : null;
    const inClear = hops ? { inClear: hops.filter((h) => h.inClear).map((h) => h.name) } : {};
    if (r.status === 'ok') return c.json({ status: 'ok', ...inClear });
    const failed = Object.fromEntries(Object.entries(r.checks).filter(([, v]) => !v.ok));
    return c.json({ status: 'degraded', checks: failed, ...inClear }, 503);
  });
}

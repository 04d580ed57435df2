import { Hono } from 'hono';
import type { Health } from '../health.js';
import type { HttpEnv } from '../http-env.js';

/** `GET /healthz` (no auth): 200 `{"status":"ok"}`, or 503 `degraded` naming the failed checks. */
export function healthRoutes(health: Health) {
  return new Hono<HttpEnv>().get('/healthz', (c) => {
    const r = health.report();
    if (r.status === 'ok') return c.json({ status: 'ok' });
    const failed = Object.fromEntries(Object.entries(r.checks).filter(([, v]) => !v.ok));
    return c.json({ status: 'degraded', checks: failed }, 503);
  });
}

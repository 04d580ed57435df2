import { Hono } from 'hono';
import type { ApplianceMetrics } from '../../metrics/appliance-metrics.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { bearerAuth } from '../middleware/auth.js';

/**
 * `GET /metrics`: Prometheus text format. Any valid API token may scrape (Prometheus:
 * `authorization: { credentials_file: … }`); give the scraper a `viewer` token.
 */
export function metricsRoutes(store: Store, metrics: ApplianceMetrics, now?: () => Date) {
  return new Hono<HttpEnv>().get('/metrics', bearerAuth(store, now), async (c) => {
    const text = await metrics.text();
    return c.body(text, 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  });
}

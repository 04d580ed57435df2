import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { ApplianceError } from '../errors/appliance-error.js';
import type { Logger } from '../log/logger.js';
import type { TransportHop } from '../tls/transport-hops.js';
import type { Store } from '../store/store.js';
import type { Health } from './health.js';
import type { HttpEnv } from './http-env.js';
import { accessLog } from './middleware/access-log.js';
import { bearerAuth } from './middleware/auth.js';
import type { SessionPolicy } from '../auth/sessions.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { encoderRoutes } from './routes/encoders.js';
import { healthRoutes } from './routes/health.js';
import { poolRoutes } from './routes/pools.js';
import type { PoolStatus } from '../supervisor/stage-pool.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { EventBus } from '../events/event-bus.js';
import { tokenRoutes } from './routes/tokens.js';
import { inputRoutes } from './routes/inputs.js';
import { jobRoutes } from './routes/jobs.js';
import { ladderRoutes } from './routes/ladders.js';
import { nodeRoutes } from './routes/nodes.js';
import { outputRoutes } from './routes/outputs.js';
import { openApiRoutes } from './openapi.js';
import { EventBus as LocalEventBus } from '../events/event-bus.js';
import { WebhookAllowList } from '../events/webhooks/allow-list.js';
import { ApplianceMetrics } from '../metrics/appliance-metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhooks.js';
import { wsRoutes } from './routes/ws.js';
import { auditExportRoutes, type AuditExportRouteDeps } from './routes/audit-exports.js';
import { hostRoutes } from './routes/host.js';
import { loginRoutes, logoutRoutes } from './routes/sessions.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import { uiRoutes } from './routes/ui.js';
import { userRoutes } from './routes/users.js';
import { watchFolderRoutes, type WatchFolderSummary } from './routes/watch-folders.js';

export interface AppDeps {
  /**
   * This node (docs/cluster.md): its id (recorded with uploads) and whether it has the `api`
   * role; a worker-only node serves `/healthz` and `/metrics`, nothing else. Default: an api node.
   */
  node?: { id: string; api: boolean };
  /** Served over HTTPS: every answer carries Strict-Transport-Security. */
  hsts?: boolean;
  /** The hops and whether each is in clear (`/healthz` lists those that are). */
  transport?: () => Promise<TransportHop[]>;
  store: Store;
  logger: Logger;
  health: Health;
  /** Pool status for `GET /api/v1/pools` (absent: the route lists none). */
  pools?: () => PoolStatus[];
  /** The job runtime (jobs routes), the object store (inputs, outputs) and the live event bus (/ws, webhooks, metrics). */
  runtime?: JobRuntime;
  objects?: ObjectStore;
  bus?: EventBus;
  /** Hosts webhooks may target besides loopback (config `webhookAllowedHosts`; absent: loopback only). */
  webhookAllowedHosts?: readonly string[];
  /** Minimum time between two `/ws` progress messages of one job to one client (default 250 ms). */
  wsProgressIntervalMs?: number;
  now?: () => Date;
  /** Signed audit bundles (`POST /api/v1/audit/exports`; absent: the route is not served). */
  auditExports?: AuditExportRouteDeps;
  /** The data dir (its disk shows in `GET /api/v1/system/host`; absent: the working dir). */
  dataDir?: string;
  /** The built operator UI (default `ui/dist/` of the install). */
  uiDist?: string;
  /** Configured watch folders for `GET /api/v1/watch-folders` (absent: none). */
  watchFolders?: readonly WatchFolderSummary[];
  /** Failed logins per client address (default: 20 in 10 minutes). */
  loginThrottle?: LoginThrottle;
  /** UI sessions: idle timeout and absolute lifetime (default 15 min, 12 h). */
  sessionPolicy?: SessionPolicy;
}

/** JSON bodies of the API are small; uploads stream through their own routes. */
const JSON_BODY_LIMIT = 1024 * 1024;

export function createApp(deps: AppDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.use(requestId());
  if (deps.hsts) {
    app.use(async (c, next) => {
      await next();
      c.header('Strict-Transport-Security', 'max-age=31536000');
    });
  }
  app.use(accessLog(deps.logger));
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  app.route('/', healthRoutes(deps.health, deps.transport));
  if (deps.node?.api === false) {
    app.route('/', metricsRoutes(deps.store, new ApplianceMetrics({ store: deps.store, bus: deps.bus ?? new LocalEventBus(), pools: deps.pools }), deps.now));
    return app;
  }
  // Live events: /ws (WebSocket) and /metrics authenticate themselves (any valid token).
  const bus = deps.bus ?? new LocalEventBus();
  const metrics = new ApplianceMetrics({ store: deps.store, bus, pools: deps.pools });
  app.route(
    '/',
    wsRoutes({
      ...(deps.sessionPolicy ? { sessionPolicy: deps.sessionPolicy } : {}),
      store: deps.store,
      bus,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.wsProgressIntervalMs ? { progressIntervalMs: deps.wsProgressIntervalMs } : {}),
    }),
  );
  app.route('/', metricsRoutes(deps.store, metrics, deps.now));
  // The operator UI (static files) and its login, which needs no token.
  app.route('/', uiRoutes(deps.uiDist));
  app.route('/api/v1', loginRoutes(deps.store, deps.now, deps.loginThrottle, deps.sessionPolicy));

  const api = new Hono<HttpEnv>();
  api.use(bearerAuth(deps.store, deps.now, deps.sessionPolicy));
  const jsonBodyLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw new ApplianceError('PAYLOAD_TOO_LARGE', `request body over ${JSON_BODY_LIMIT} bytes`);
    },
  });
  // Uploads (`PUT /api/v1/inputs/{name}`) stream any size into the object store.
  api.use((c, next) => (c.req.method === 'PUT' && /^\/api\/v1\/inputs\/[^/]+$/.test(c.req.path) ? next() : jsonBodyLimit(c, next)));
  api.route('/', tokenRoutes(deps.store, deps.now));
  api.route('/', logoutRoutes(deps.store, deps.now));
  api.route('/', userRoutes(deps.store, deps.now));
  api.route('/', hostRoutes(deps.dataDir ?? process.cwd()));
  api.route('/', encoderRoutes(deps.store));
  api.route('/', poolRoutes(deps.pools ?? (() => [])));
  api.route('/', nodeRoutes(deps.store, deps.now));
  api.route('/', ladderRoutes(deps.store));
  api.route('/', openApiRoutes());
  api.route('/', webhookRoutes({ store: deps.store, allowList: new WebhookAllowList(deps.webhookAllowedHosts ?? []), ...(deps.now ? { now: deps.now } : {}) }));
  api.route('/', jobRoutes({ store: deps.store, ...(deps.runtime ? { runtime: deps.runtime } : {}) }));
  if (deps.objects) {
    const runtime = deps.runtime;
    api.route('/', inputRoutes({ store: deps.store, objects: deps.objects, logger: deps.logger, ...(deps.node ? { nodeId: deps.node.id } : {}) }));
    api.route(
      '/',
      outputRoutes({ store: deps.store, objects: deps.objects, ...(runtime ? { outputKey: (id: string, path: string) => runtime.outputKey(id, path) } : {}) }),
    );
  }
  if (deps.auditExports) api.route('/', auditExportRoutes(deps.auditExports));
  api.route('/', watchFolderRoutes(deps.store, deps.watchFolders ?? []));
  app.route('/api/v1', api);
  return app;
}

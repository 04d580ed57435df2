import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { ApplianceError } from '../errors/appliance-error.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { Health } from './health.js';
import type { HttpEnv } from './http-env.js';
import { accessLog } from './middleware/access-log.js';
import { bearerAuth } from './middleware/auth.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { encoderRoutes } from './routes/encoders.js';
import { healthRoutes } from './routes/health.js';
import { poolRoutes } from './routes/pools.js';
import type { PoolStatus } from '../supervisor/stage-pool.js';
import { tokenRoutes } from './routes/tokens.js';

export interface AppDeps {
  store: Store;
  logger: Logger;
  health: Health;
  /** Pool status for `GET /api/v1/pools` (absent: the route lists none). */
  pools?: () => PoolStatus[];
  now?: () => Date;
}

/** JSON bodies of the API are small; uploads stream through their own routes. */
const JSON_BODY_LIMIT = 1024 * 1024;

export function createApp(deps: AppDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.use(requestId());
  app.use(accessLog(deps.logger));
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  app.route('/', healthRoutes(deps.health));

  const api = new Hono<HttpEnv>();
  api.use(bearerAuth(deps.store, deps.now));
  api.use(
    bodyLimit({
      maxSize: JSON_BODY_LIMIT,
      onError: () => {
        throw new ApplianceError('PAYLOAD_TOO_LARGE', `request body over ${JSON_BODY_LIMIT} bytes`, { status: 413 });
      },
    }),
  );
  api.route('/', tokenRoutes(deps.store, deps.now));
  api.route('/', encoderRoutes(deps.store));
  api.route('/', poolRoutes(deps.pools ?? (() => [])));
  app.route('/api/v1', api);
  return app;
}

import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log/logger.js';
import type { HttpEnv } from '../http-env.js';

/** One JSON log line per request, with its request id. */
export function accessLog(logger: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = performance.now();
    const child = logger.child({ requestId: c.get('requestId') });
    c.set('logger', child);
    await next();
    child.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        principal: c.get('principal')?.id,
      },
      'request',
    );
  };
}

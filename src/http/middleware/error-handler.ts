import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { Logger } from '../../log/logger.js';
import type { HttpEnv } from '../http-env.js';

function body(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** Maps every error to `{"error":{"code","message"}}`; a stack trace never reaches a client. */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context<HttpEnv>) => {
    const requestId = c.get('requestId');
    if (err instanceof ApplianceError) {
      if (err.status >= 500) logger.error({ requestId, code: err.code, err }, err.message);
      return c.json(body(err.code, err.message, err.details), err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHENTICATED' : `HTTP_${status}`;
      return c.json(body(code, err.message || 'request refused'), status);
    }
    logger.error({ requestId, err }, 'unhandled error');
    return c.json(body('INTERNAL', `internal error (request ${requestId ?? 'unknown'}); see the server log`), 500);
  };
}

export function notFoundHandler(c: Context<HttpEnv>) {
  return c.json(body('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404);
}

import type { Logger } from '../log/logger.js';
import type { Principal } from '../auth/sessions.js';

/** Values the middleware put on the request context. */
export interface HttpEnv {
  Variables: {
    requestId: string;
    principal: Principal;
    logger: Logger;
  };
}

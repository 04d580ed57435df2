import type { Logger } from '../log/logger.js';
import type { ApiToken } from '../store/store.js';

/** Values the middleware put on the request context. */
export interface HttpEnv {
  Variables: {
    requestId: string;
    principal: ApiToken;
    logger: Logger;
  };
}

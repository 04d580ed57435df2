import { accountOperations } from './openapi-account-operations.js';
import { jobOperations } from './openapi-job-operations.js';
import type { Operation } from './openapi-operation.js';
import { systemOperations } from './openapi-system-operations.js';

export type { Operation, Status } from './openapi-operation.js';

/**
 * Every route of the API as data (SPEC.md's table, route by route), one file per area. The
 * OpenAPI document (openapi.ts) is built from this list and the zod components.
 */
export const operations: readonly Operation[] = [...jobOperations, ...accountOperations, ...systemOperations];

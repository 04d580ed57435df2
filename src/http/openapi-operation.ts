/**
 * One route of the API as data: method, path, summary, roles, parameters, body and answer
 * schemas by component name, error statuses (openapi-operations.ts lists them all).
 */
export type Status = 200 | 201 | 204 | 206 | 101 | 416;
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: string;
  summary: string;
  tag: string;
  /** Roles that may call it; absent: no authentication. */
  roles?: string;
  body?: { schema: string } | { raw: string };
  params?: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Record<string, unknown>; description?: string }>;
  ok: Partial<Record<Status, { description: string; schema?: string; content?: string; headers?: Record<string, string> }>>;
  errors: number[];
}

export const ANY = 'admin, operator, viewer, auditor';
export const WRITE = 'admin, operator';
export const jobId = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string' } };
export const jsonErrors = [400, 401, 403, 413, 415];

// The appliance API as the UI calls it: same origin, the session cookie, the CSRF header.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// The API's types are the server's own: inferred from the zod schemas the routes validate and
// answer with and the OpenAPI document is built from (src/http/schemas/; type imports only,
// nothing of the server is bundled).
export type { Role, Whoami as Me, User, UserWithPassword, TokenList, IssuedToken, UserList, TotpEnrollment } from '../../src/http/schemas/accounts';
export type { AuditEventView as AuditEvent, AuditPage, JobDetail, JobList, JobSummary, UploadResult } from '../../src/http/schemas/jobs';
export type { Ladder, LadderList } from '../../src/http/schemas/ladders';
export type { LiveEvent, LiveMessage } from '../../src/http/schemas/live';
export type { Delivery, DeliveryList, Encoder, EncoderList, HostStatus, PoolList, Webhook, WebhookList } from '../../src/http/schemas/system';
export type { WatchFolderList } from '../../src/http/schemas/watch-folders';
export type { ClusterNode, NodeList } from '../../src/http/schemas/nodes';
import type { Role } from '../../src/http/schemas/accounts';
import type { JobDetail, JobSummary } from '../../src/http/schemas/jobs';
import { terminalJobStates } from '../../src/http/schemas/states';

export type JobTask = JobDetail['tasks'][number];

const listeners = new Set<() => void>();
/** Called when the API answers 401 (session over): the app shows the login page. */
export function onUnauthenticated(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const CSRF = { 'x-mpegflow-csrf': '1' };

export async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/**
 * `background`: a periodic refresh, not the operator's doing — marked so that it does not
 * keep an idle session alive (the server's idle timeout, docs/security.md).
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; quiet401?: boolean; background?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        ...CSRF,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.background ? { 'x-mpegflow-background': '1' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `the appliance did not answer (${(err as Error).message})`);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !init.quiet401) for (const fn of listeners) fn();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const may = {
  write: (role: Role | undefined) => role === 'admin' || role === 'operator',
  audit: (role: Role | undefined) => role === 'admin' || role === 'auditor',
  admin: (role: Role | undefined) => role === 'admin',
};

export { jobStates } from '../../src/http/schemas/states';
/** Whether a job has ended (its state is one of the API's terminal states). */
export const isTerminal = (state: JobSummary['state']): boolean => (terminalJobStates as readonly string[]).includes(state);

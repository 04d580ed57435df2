// The appliance API as the UI calls it: same origin, the session cookie, the CSRF header.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The answer's `error.details`, when it has any (e.g. `problems` of LADDER_INVALID). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** One thing wrong with a request body, at a field path such as `rungs.1.name`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** `rungs[1].rate` or `["rungs", 1, "rate"]` → `rungs.1.rate` (the template check's form). */
function dotted(path: unknown): string {
  if (Array.isArray(path)) return path.map(String).join('.');
  return String(path ?? '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\./, '');
}

/**
 * The per-field problems of a refused body: `details.problems` (LADDER_INVALID), `details.issues`
 * (zod issues), or the `path: message` of a VALIDATION_FAILED message. Empty when the error names no field.
 */
export function fieldProblems(err: unknown): FieldProblem[] {
  if (!(err instanceof ApiError)) return [];
  for (const key of ['problems', 'issues']) {
    const list = err.details?.[key];
    if (Array.isArray(list)) {
      return list.map((p: { path?: unknown; message?: unknown }) => ({ path: dotted(p.path) || '(template)', message: String(p.message ?? '') }));
    }
  }
  if (err.status === 400 && err.code.startsWith('VALIDATION')) {
    const m = /^([A-Za-z0-9_.[\]]+|\(body\)): (.+)$/s.exec(err.message);
    if (m?.[1] && m[2]) return [{ path: m[1] === '(body)' ? '(template)' : dotted(m[1]), message: m[2] }];
    const unknown = /^(.+): unknown field$/.exec(err.message);
    if (unknown?.[1]) return unknown[1].split(', ').map((p) => ({ path: dotted(p), message: 'unknown field' }));
  }
  return [];
}

// The API's types are the server's own: inferred from the zod schemas the routes validate and
// answer with and the OpenAPI document is built from (src/http/schemas/; type imports only,
// nothing of the server is bundled).
export type { Role, Whoami as Me, User, UserWithPassword, TokenList, IssuedToken, UserList, TotpEnrollment } from '../../src/http/schemas/accounts';
export type { AuditEventView as AuditEvent, AuditPage, JobDetail, JobList, JobSummary, UploadResult } from '../../src/http/schemas/jobs';
export type {
  LadderDetail,
  LadderList,
  LadderVersionView,
  LadderTemplateBody as LadderTemplate,
  LadderTemplateInput,
} from '../../src/http/schemas/ladder-template';
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
  let details: Record<string, unknown> | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    if (body.error?.details && typeof body.error.details === 'object') details = body.error.details;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message, details);
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

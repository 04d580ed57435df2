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

export type Role = 'admin' | 'operator' | 'viewer' | 'auditor';
export interface Me {
  id: string;
  name: string;
  role: Role;
}

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

export async function api<T>(path: string, init: { method?: string; body?: unknown; quiet401?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: { ...CSRF, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
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

export interface JobSummary {
  id: string;
  state: string;
  progress: number;
  input: { key: string; sha256: string | null; size: number | null };
  ladder: string;
  packaging: string[];
  encoder: string;
  policy: { partialLadder: 'wait' | 'emit' };
  outputs: Record<string, string> | null;
  error: { code: string; message: string } | null;
  submittedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobTask {
  id: string;
  kind: 'probe' | 'encode' | 'package';
  rendition: string | null;
  state: string;
  attempt: number;
  maxAttempts: number;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface JobDetail extends JobSummary {
  tasks: JobTask[];
  renditions: { name: string; state: string; sha256: string | null }[];
  missingRenditions: string[];
}

export interface AuditEvent {
  seq: number;
  at: string;
  type: string;
  actor: string;
  job_id: string | null;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export const terminalStates = ['completed', 'partial', 'failed', 'cancelled'];
export const jobStates = ['queued', 'probing', 'encoding', 'packaging', 'completed', 'partial', 'failed', 'cancelled'];

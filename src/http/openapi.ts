import { Hono } from 'hono';
import { z } from 'zod';
import { packageVersion } from '../config/package-root.js';
import type { HttpEnv } from './http-env.js';
import { requireRole } from './middleware/auth.js';
import { auditEventSchema, auditPage, errorBody, jobDetailSchema, jobList, jobStates, MAX_LIST_LIMIT, submitBody, uploadResult } from './schemas/jobs.js';
import { ladderList, ladderSchema } from './schemas/ladders.js';
import { issuedToken, loginRequest, tokenList, totpEnrollment, totpEnrollmentRequest, userList, userWithPassword, whoami } from './schemas/accounts.js';
import { deliveryList, encoderList, hostStatusSchema, poolList, webhookList, webhookSchema } from './schemas/system.js';
import { newWebhookBody } from './routes/webhooks.js';
import { auditExportBody } from './routes/audit-exports.js';
import { watchFolderList } from './schemas/watch-folders.js';
import { liveMessage } from './schemas/live.js';

/**
 * The OpenAPI 3.1 document of the API (`GET /api/v1/openapi.json`), generated from the same
 * zod schemas the routes validate with (zod's JSON Schema output is draft 2020-12, OpenAPI
 * 3.1's dialect). Every route of SPEC.md's table is listed.
 */

const components: Record<string, z.ZodType> = {
  Error: errorBody,
  SubmitRequest: submitBody,
  JobDetail: jobDetailSchema,
  JobList: jobList,
  AuditEvent: auditEventSchema,
  AuditPage: auditPage,
  LiveMessage: liveMessage,
  InputUpload: uploadResult,
  Ladder: ladderSchema,
  LadderList: ladderList,
  Health: z.object({
    status: z.enum(['ok', 'degraded']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })).optional(),
    inClear: z
      .array(z.enum(['operator', 'database', 'objectStore', 'webhooks']))
      .optional()
      .describe('hops whose bytes cross in clear (docs/security.md); `mpegflow doctor` gives the details'),
  }),
  Whoami: whoami,
  TokenRequest: z
    .object({ name: z.string().min(1).max(100), role: z.enum(['admin', 'operator', 'viewer', 'auditor']), expiresAt: z.string().optional() })
    .strict(),
  TokenIssued: issuedToken,
  TokenList: tokenList,
  EncoderList: encoderList,
  PoolList: poolList,
  AuditExportRequest: auditExportBody,
  WebhookRequest: newWebhookBody,
  Webhook: webhookSchema,
  WebhookCreated: webhookSchema.extend({ disabledAt: z.null(), secret: z.string().describe('shown once') }),
  WebhookList: webhookList,
  WebhookDeliveryList: deliveryList,
  LoginRequest: loginRequest,
  TotpEnrollmentRequest: totpEnrollmentRequest,
  TotpEnrollment: totpEnrollment,
  Session: z.object({ user: z.object({ id: z.string(), username: z.string(), role: z.string() }), expiresAt: z.string() }),
  UserList: userList,
  UserRequest: z
    .object({
      username: z.string(),
      role: z.enum(['admin', 'operator', 'viewer', 'auditor']),
      password: z.string().optional().describe('absent: generated and answered once'),
    })
    .strict(),
  UserPatch: z
    .object({
      role: z.enum(['admin', 'operator', 'viewer', 'auditor']).optional(),
      disabled: z.boolean().optional(),
      password: z.string().optional(),
      resetPassword: z.literal(true).optional(),
      unlock: z.literal(true).optional(),
      resetTotp: z.literal(true).optional().describe('remove the second factor; the account enrolls again at its next sign-in'),
    })
    .strict(),
  User: userWithPassword,
  HostStatus: hostStatusSchema,
  WatchFolderList: watchFolderList,
};

type Status = 200 | 201 | 204 | 206 | 101 | 416;
interface Operation {
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

const ANY = 'admin, operator, viewer, auditor';
const WRITE = 'admin, operator';
const jobId = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string' } };
const jsonErrors = [400, 401, 403, 413, 415];

export const operations: readonly Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Health: ok once the store, object store and pools are up',
    tag: 'appliance',
    ok: { 200: { description: 'up', schema: 'Health' } },
    errors: [503],
  },
  {
    method: 'put',
    path: '/api/v1/inputs/{name}',
    summary: 'Stream a master into the input bucket (sha256 computed while streaming; audited input.uploaded)',
    tag: 'inputs',
    roles: WRITE,
    params: [
      {
        name: 'name',
        in: 'path',
        required: true,
        schema: { type: 'string', maxLength: 200 },
        description: 'one key segment: no "/", ".", "..", backslash or control characters',
      },
    ],
    body: { raw: 'application/octet-stream' },
    ok: {
      201: { description: 'stored', schema: 'InputUpload' },
      200: { description: 'the same bytes as an input a job used (unchanged)', schema: 'InputUpload' },
    },
    errors: [400, 401, 403, 409, 507],
  },
  {
    method: 'post',
    path: '/api/v1/jobs',
    summary: 'Submit a job',
    tag: 'jobs',
    roles: WRITE,
    params: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        schema: { type: 'string', maxLength: 200 },
        description: 'same key + same body: the same job (200); another body: 409 IDEMPOTENCY_CONFLICT',
      },
    ],
    body: { schema: 'SubmitRequest' },
    ok: { 201: { description: 'created', schema: 'JobDetail' }, 200: { description: 'an idempotent replay: the existing job', schema: 'JobDetail' } },
    errors: [...jsonErrors, 409, 422],
  },
  {
    method: 'get',
    path: '/api/v1/jobs',
    summary: 'List jobs, newest first',
    tag: 'jobs',
    roles: ANY,
    params: [
      { name: 'state', in: 'query', schema: { type: 'string', enum: [...jobStates] } },
      { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: 50 } },
      { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'created at or after' },
      { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'created before' },
      { name: 'q', in: 'query', schema: { type: 'string', maxLength: 200 }, description: 'text in the job id, input key or submitter' },
    ],
    ok: { 200: { description: 'a page', schema: 'JobList' } },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/v1/jobs/{id}',
    summary: 'Job detail: state, tasks, renditions, progress, outputs',
    tag: 'jobs',
    roles: ANY,
    params: [jobId],
    ok: { 200: { description: 'the job', schema: 'JobDetail' } },
    errors: [401, 403, 404],
  },
  {
    method: 'post',
    path: '/api/v1/jobs/{id}/cancel',
    summary: 'Cancel: kill running tasks, clean up intermediates',
    tag: 'jobs',
    roles: WRITE,
    params: [jobId],
    ok: { 200: { description: 'the job', schema: 'JobDetail' } },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'post',
    path: '/api/v1/jobs/{id}/retry',
    summary: 'Retry the failed tasks',
    tag: 'jobs',
    roles: WRITE,
    params: [jobId],
    ok: { 200: { description: 'the job', schema: 'JobDetail' } },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/jobs/{id}/audit',
    summary: "The job's audit events in seq order",
    tag: 'jobs',
    roles: ANY,
    params: [
      jobId,
      { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } },
    ],
    ok: { 200: { description: 'events', schema: 'AuditPage' } },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/v1/jobs/{id}/outputs/{path}',
    summary: 'A job output file (e.g. hls/master.m3u8, dash/manifest.mpd); single byte ranges',
    tag: 'jobs',
    roles: ANY,
    params: [
      jobId,
      { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: 'may contain "/"' },
      { name: 'Range', in: 'header', schema: { type: 'string', examples: ['bytes=0-1023'] } },
    ],
    ok: {
      200: { description: 'the file', content: 'application/octet-stream' },
      206: { description: 'the range', content: 'application/octet-stream', headers: { 'Content-Range': 'bytes a-b/size' } },
      416: { description: 'range outside the file', schema: 'Error', headers: { 'Content-Range': 'bytes */size' } },
    },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    tag: 'appliance',
    roles: ANY,
    ok: { 200: { description: 'OpenAPI 3.1', content: 'application/json' } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/ladders',
    summary: 'Ladder presets',
    tag: 'catalog',
    roles: ANY,
    ok: { 200: { description: 'presets', schema: 'LadderList' } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/api/v1/encoders',
    summary: 'Encoder images with their verification state',
    tag: 'catalog',
    roles: ANY,
    ok: { 200: { description: 'images', schema: 'EncoderList' } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/api/v1/pools',
    summary: 'Pools: cores, slots, load',
    tag: 'catalog',
    roles: ANY,
    ok: { 200: { description: 'pools', schema: 'PoolList' } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/whoami',
    summary: 'The calling token',
    tag: 'tokens',
    roles: ANY,
    ok: { 200: { description: 'token', schema: 'Whoami' } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/tokens',
    summary: 'List API tokens',
    tag: 'tokens',
    roles: 'admin',
    ok: { 200: { description: 'tokens', schema: 'TokenList' } },
    errors: [401, 403],
  },
  {
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'Issue an API token (audited)',
    tag: 'tokens',
    roles: 'admin',
    body: { schema: 'TokenRequest' },
    ok: { 201: { description: 'issued', schema: 'TokenIssued' } },
    errors: jsonErrors,
  },
  {
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    summary: 'Revoke an API token (audited)',
    tag: 'tokens',
    roles: 'admin',
    params: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
    ok: { 204: { description: 'revoked' } },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'post',
    path: '/api/v1/audit/exports',
    summary: 'A signed audit bundle for a job or time range',
    tag: 'audit',
    roles: 'admin, auditor',
    body: { schema: 'AuditExportRequest' },
    ok: {
      200: {
        description: 'the bundle (Content-Disposition: attachment; filename="mpegflow-audit-<exportId>.tar"; docs/audit-bundle.md)',
        content: 'application/x-tar',
      },
    },
    errors: [...jsonErrors],
  },
  {
    method: 'get',
    path: '/ws',
    summary:
      'WebSocket of live events (job and task state, progress); token by Authorization header, subprotocols ["mpegflow.v1", "bearer.<token>"], or ?token= (docs/webhooks.md); each text message is one LiveMessage (components.schemas)',
    tag: 'events',
    roles: ANY,
    params: [
      { name: 'job', in: 'query', schema: { type: 'string' }, description: "only this job's events" },
      { name: 'token', in: 'query', schema: { type: 'string' }, description: 'for clients that can set neither a header nor subprotocols' },
    ],
    ok: { 101: { description: 'switching protocols' } },
    errors: [400, 401, 426],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus text format (any valid token)',
    tag: 'appliance',
    roles: ANY,
    ok: { 200: { description: 'metrics', content: 'text/plain; version=0.0.4' } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/webhooks',
    summary: 'Registered webhooks (never their secrets)',
    tag: 'events',
    roles: 'admin, auditor',
    params: [{ name: 'all', in: 'query', schema: { type: 'boolean' }, description: 'include disabled ones' }],
    ok: { 200: { description: 'webhooks', schema: 'WebhookList' } },
    errors: [401, 403],
  },
  {
    method: 'post',
    path: '/api/v1/webhooks',
    summary: 'Register a webhook (audited); the host must be loopback or allowed by the config (WEBHOOK_TARGET_NOT_ALLOWED)',
    tag: 'events',
    roles: 'admin',
    body: { schema: 'WebhookRequest' },
    ok: { 201: { description: 'registered; the secret is shown this once', schema: 'WebhookCreated' } },
    errors: [...jsonErrors, 409],
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/{id}',
    summary: 'One webhook',
    tag: 'events',
    roles: 'admin, auditor',
    params: [jobId],
    ok: { 200: { description: 'webhook', schema: 'Webhook' } },
    errors: [401, 403, 404],
  },
  {
    method: 'delete',
    path: '/api/v1/webhooks/{id}',
    summary: 'Disable an API webhook (audited)',
    tag: 'events',
    roles: 'admin',
    params: [jobId],
    ok: { 204: { description: 'disabled' } },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/{id}/deliveries',
    summary: "A webhook's deliveries, newest first: status, attempts, response code, error, next attempt",
    tag: 'events',
    roles: 'admin, auditor',
    params: [
      jobId,
      { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'failed'] } },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    ],
    ok: { 200: { description: 'deliveries', schema: 'WebhookDeliveryList' } },
    errors: [400, 401, 403, 404],
  },
  // Operator UI: the page, its login session, accounts, host status.
  {
    method: 'get',
    path: '/',
    summary: 'The operator web UI (static, built into ui/dist by npm install)',
    tag: 'ui',
    ok: { 200: { description: 'the page', content: 'text/html' } },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/session',
    summary:
      'Log in (sets the HttpOnly SameSite=Strict session cookie; needs X-MpegFlow-CSRF: 1; admins and enrolled accounts also send `totp`, the code of their authenticator app: 401 TOTP_REQUIRED / TOTP_ENROLLMENT_REQUIRED / TOTP_INVALID / TOTP_REPLAYED; 5 failures (passwords or codes) lock the account 15 min; 20 failures from one address in 10 min make it wait)',
    tag: 'ui',
    body: { schema: 'LoginRequest' },
    ok: { 200: { description: 'logged in', schema: 'Session' } },
    errors: [400, 401, 403, 413, 415, 423, 429],
  },
  {
    method: 'post',
    path: '/api/v1/session/totp-enrollment',
    summary:
      'Start enrolling an authenticator app (TOTP, RFC 6238): the password is checked like a sign-in; the secret is answered once and confirmed by the next sign-in with one of its codes (409 TOTP_ALREADY_ENROLLED when the account has one; an admin resets it)',
    tag: 'ui',
    body: { schema: 'TotpEnrollmentRequest' },
    ok: { 201: { description: 'pending enrollment', schema: 'TotpEnrollment' } },
    errors: [400, 401, 403, 409, 413, 415, 423, 429],
  },
  {
    method: 'delete',
    path: '/api/v1/session',
    summary: 'Log out (ends the session; audited)',
    tag: 'ui',
    roles: ANY,
    ok: { 204: { description: 'logged out' } },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/v1/users',
    summary: 'Operator accounts',
    tag: 'ui',
    roles: 'admin',
    ok: { 200: { description: 'users', schema: 'UserList' } },
    errors: [401, 403],
  },
  {
    method: 'post',
    path: '/api/v1/users',
    summary: 'Create an operator account (audited)',
    tag: 'ui',
    roles: 'admin',
    body: { schema: 'UserRequest' },
    ok: { 201: { description: 'created', schema: 'User' } },
    errors: [...jsonErrors, 409],
  },
  {
    method: 'patch',
    path: '/api/v1/users/{id}',
    summary: 'Change role, disable, set/reset password, unlock (audited; ends open sessions on role/password/disable)',
    tag: 'ui',
    roles: 'admin',
    params: [jobId],
    body: { schema: 'UserPatch' },
    ok: { 200: { description: 'the user', schema: 'User' } },
    errors: [...jsonErrors, 404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/system/host',
    summary: "Host CPU load, memory, and the data dir's disk",
    tag: 'ui',
    roles: ANY,
    ok: { 200: { description: 'host status', schema: 'HostStatus' } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/api/v1/watch-folders',
    summary: 'Watch folders and their last 20 ingests, newest first',
    tag: 'inputs',
    roles: ANY,
    ok: { 200: { description: 'folders', schema: 'WatchFolderList' } },
    errors: [401],
  },
];

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function schemaComponents(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const s of Object.values(schemas)) {
    delete s['$schema'];
    delete s['$id'];
  }
  return schemas;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request (INVALID_JSON, VALIDATION_FAILED, LADDER_UNKNOWN, ENCODER_UNKNOWN, …)',
  401: 'missing, unknown, revoked or expired token (UNAUTHENTICATED)',
  403: 'the role may not do this (FORBIDDEN)',
  404: 'no such resource (JOB_NOT_FOUND, OUTPUT_NOT_FOUND, NOT_FOUND)',
  409: 'conflict (IDEMPOTENCY_CONFLICT, ENCODER_UNVERIFIED, JOB_FINISHED, JOB_NOT_RETRYABLE, INPUT_IN_USE, …)',
  413: 'a JSON body over 1 MiB (PAYLOAD_TOO_LARGE)',
  415: 'a body that is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  426: 'GET /ws without a WebSocket upgrade (UPGRADE_REQUIRED)',
  423: 'the account is locked after 5 failed logins (ACCOUNT_LOCKED)',
  429: 'too many failed logins from this address (LOGIN_THROTTLED; Retry-After says when to try again)',
  422: 'the input is missing or refused (INPUT_NOT_FOUND, MEDIA_REJECTED)',
  503: 'degraded',
  507: 'no space left (STORAGE_NO_SPACE)',
};

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.ok)) {
      responses[status] = {
        description: r.description,
        ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
        ...(r.schema ? { content: { 'application/json': { schema: ref(r.schema) } } } : r.content ? { content: { [r.content]: {} } } : {}),
      };
    }
    for (const status of op.errors) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? 'error', content: { 'application/json': { schema: ref('Error') } } };
    }
    responses['500'] = {
      description: 'internal error (INTERNAL, with the request id; never a stack trace)',
      content: { 'application/json': { schema: ref('Error') } },
    };
    const body = op.body
      ? 'schema' in op.body
        ? { required: true, content: { 'application/json': { schema: ref(op.body.schema) } } }
        : { required: true, content: { [op.body.raw]: { schema: { type: 'string', contentMediaType: op.body.raw } } } }
      : undefined;
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : ''))}`,
      ...(op.roles ? { description: `Roles: ${op.roles}.` } : { security: [] }),
      ...(op.params ? { parameters: op.params.map((p) => ({ ...p, required: p.in === 'path' ? true : (p.required ?? false) })) } : {}),
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'MpegFlow Appliance API',
      version: packageVersion,
      description: 'Errors are {"error": {"code", "message"}} with a 4xx/5xx status (docs/error-codes.md).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: ['inputs', 'jobs', 'catalog', 'tokens', 'audit', 'events', 'appliance', 'ui'].map((name) => ({ name })),
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: schemaComponents() },
  };
  return cached;
}

/** `GET /api/v1/openapi.json` (any role). */
export function openApiRoutes() {
  return new Hono<HttpEnv>().get('/openapi.json', requireRole('admin', 'operator', 'viewer', 'auditor'), (c) => c.json(openApiDocument()));
}

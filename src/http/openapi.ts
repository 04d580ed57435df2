import { Hono } from 'hono';
import { z } from 'zod';
import { packageVersion } from '../config/package-root.js';
import type { HttpEnv } from './http-env.js';
import { requireRole } from './middleware/auth.js';
import { operations } from './openapi-operations.js';
import { auditEventSchema, auditPage, errorBody, jobDetailSchema, jobList, submitBody, uploadResult } from './schemas/jobs.js';
import { ladderDetail, ladderList, ladderTemplateSchema, ladderVersionSchema } from './schemas/ladder-template.js';
import { issuedToken, loginRequest, tokenList, totpEnrollment, totpEnrollmentRequest, userList, userWithPassword, whoami } from './schemas/accounts.js';
import { deliveryList, encoderList, hostStatusSchema, poolList, webhookList, webhookSchema } from './schemas/system.js';
import { newWebhookBody } from './routes/webhooks.js';
import { auditExportBody } from './routes/audit-exports.js';
import { watchFolderList } from './schemas/watch-folders.js';
import { nodeList, nodeSchema } from './schemas/nodes.js';
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
  LadderTemplate: ladderTemplateSchema,
  LadderVersion: ladderVersionSchema,
  LadderDetail: ladderDetail,
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
  Node: nodeSchema,
  NodeList: nodeList,
  WatchFolderList: watchFolderList,
};

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

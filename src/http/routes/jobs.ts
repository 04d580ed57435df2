import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { JobRuntime } from '../../runtime/job-runtime.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { readJson } from '../validation.js';
import { auditQuery, idempotencyKey, listQuery, submitBody, type AuditPage, type JobDetail, type JobList } from '../schemas/jobs.js';
import { jobSummaryOf } from './job-summary.js';

export interface JobRouteDeps {
  store: Store;
  /** Submit, detail, cancel, retry: mounted only with a runtime. */
  runtime?: JobRuntime;
}

const anyRole = requireRole('admin', 'operator', 'viewer', 'auditor');
const writers = requireRole('admin', 'operator');

/** Job ids are the runtime's (`job_<time><random>`); anything else cannot name a job. */
const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function jobNotFound(id: string): ApplianceError {
  return new ApplianceError('JOB_NOT_FOUND', `no job ${JSON.stringify(id).slice(0, 120)}`);
}

/** The `:id` path parameter, or JOB_NOT_FOUND when it cannot be a job id. */
export function jobIdParam(c: Context<HttpEnv>): string {
  const id = c.req.param('id') ?? '';
  if (!JOB_ID.test(id)) throw jobNotFound(id);
  return id;
}

/** Validates a query string with the same one-line messages as bodies. */
export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new ApplianceError('VALIDATION_FAILED', 'invalid query');
  const where = issue.path.map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')}: unknown query parameter` : `${where || '(query)'}: ${issue.message}`;
  throw new ApplianceError('VALIDATION_FAILED', message);
}

/**
 * `/api/v1/jobs…`: list and audit read the store (any role); submit, detail, cancel and
 * retry go through the runtime (writes need operator or admin).
 */
export function jobRoutes(deps: JobRouteDeps) {
  const app = new Hono<HttpEnv>()
    .get('/jobs', anyRole, async (c) => {
      const q = readQuery(c, listQuery);
      const page = await deps.store.jobs.list({
        ...(q.state ? { state: q.state } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.q ? { text: q.q } : {}),
        limit: q.limit ?? 50,
      });
      return c.json({ items: page.items.map(jobSummaryOf), nextCursor: page.nextCursor } satisfies JobList);
    })
    .get('/jobs/:id/audit', anyRole, async (c) => {
      const id = jobIdParam(c);
      if (!(await deps.store.jobs.get(id))) throw jobNotFound(id);
      const q = readQuery(c, auditQuery);
      const limit = q.limit ?? 1000;
      const items = await deps.store.audit.list({ jobId: id, limit, ...(q.after !== undefined ? { afterSeq: q.after } : {}) });
      const last = items.at(-1);
      return c.json({ items, nextAfter: items.length === limit && last ? last.seq : null } satisfies AuditPage);
    });

  const runtime = deps.runtime;
  if (!runtime) return app;
  return app
    .post('/jobs', writers, async (c) => {
      const header = c.req.header('idempotency-key');
      if (header !== undefined && !idempotencyKey.safeParse(header).success) {
        throw new ApplianceError('VALIDATION_FAILED', 'Idempotency-Key: must be 1-200 visible ASCII characters');
      }
      const body = await readJson(c, submitBody);
      // The runtime validates the submission (its one validator) and answers a replay.
      const { job, created } = await runtime.submit(body, { actor: actorOf(c.get('principal')), ...(header !== undefined ? { idempotencyKey: header } : {}) });
      return c.json(job satisfies JobDetail, created ? 201 : 200);
    })
    .get('/jobs/:id', anyRole, async (c) => c.json((await runtime.get(jobIdParam(c))) satisfies JobDetail))
    .post('/jobs/:id/cancel', writers, async (c) => c.json((await runtime.cancel(jobIdParam(c), actorOf(c.get('principal')))) satisfies JobDetail))
    .post('/jobs/:id/retry', writers, async (c) => c.json((await runtime.retry(jobIdParam(c), actorOf(c.get('principal')))) satisfies JobDetail));
}

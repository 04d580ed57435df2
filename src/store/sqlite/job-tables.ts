import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { ApplianceError } from '../../errors/appliance-error.js';
import { canonicalJson } from '../audit-chain.js';
import type { Job, JobListQuery, JobPatch, JobState, LeaseRequest, NewJob, NewTask, Task, TaskFinish, TaskInterruption, TaskKind, TaskState } from '../jobs.js';
import * as schema from './schema.js';

type Db = BetterSQLite3Database<typeof schema>;

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function toJob(row: typeof schema.jobs.$inferSelect): Job {
  return {
    id: row.id,
    state: row.state as JobState,
    inputKey: row.inputKey,
    inputSha256: row.inputSha256,
    inputSize: row.inputSize,
    ladder: row.ladder,
    packaging: JSON.parse(row.packaging) as string[],
    encoderImage: row.encoderImage,
    policy: JSON.parse(row.policy) as Job['policy'],
    idempotencyKey: row.idempotencyKey,
    requestHash: row.requestHash,
    submittedBy: row.submittedBy,
    progress: row.progress,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    outputs: parse(row.outputs) as Job['outputs'],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toTask(row: typeof schema.tasks.$inferSelect): Task {
  return {
    id: row.id,
    jobId: row.jobId,
    kind: row.kind as TaskKind,
    rendition: row.rendition,
    state: row.state as TaskState,
    attempt: row.attempt,
    interruptions: row.interruptions,
    maxAttempts: row.maxAttempts,
    leaseOwner: row.leaseOwner,
    leaseExpiresAt: row.leaseExpiresAt,
    fencingToken: row.fencingToken,
    runAfter: row.runAfter,
    input: parse(row.input),
    output: parse(row.output),
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function staleLease(id: string, token: number, current: { state: string; fencingToken: number } | undefined): ApplianceError {
  return new ApplianceError(
    'STALE_LEASE',
    `task ${id}: attempt with fencing token ${token} no longer holds the lease (now ${current ? `${current.state}, token ${current.fencingToken}` : 'gone'}); its result is discarded`,
    { details: { taskId: id, token } },
  );
}

/** Running tasks whose lease lapsed before `now`, optionally only those of owners named `ownerPrefix…`. */
function expiredRows(w: Db, now: number, ownerPrefix: string | undefined) {
  return w
    .select()
    .from(schema.tasks)
    .where(and(eq(schema.tasks.state, 'running'), lt(schema.tasks.leaseExpiresAt, now)))
    .all()
    .filter((row) => ownerPrefix === undefined || (row.leaseOwner ?? '').startsWith(ownerPrefix));
}

/** Job and task writes inside a transaction; `touch` marks that state was written. */
export function jobTaskWrites(w: Db, nowIso: () => string, touch: () => void) {
  return {
    jobs: {
      get: async (id: string): Promise<Job | undefined> => {
        const row = w.select().from(schema.jobs).where(eq(schema.jobs.id, id)).get();
        return row ? toJob(row) : undefined;
      },
      insert: async (job: NewJob): Promise<void> => {
        touch();
        const at = nowIso();
        w.insert(schema.jobs)
          .values({ ...job, packaging: canonicalJson(job.packaging), policy: canonicalJson(job.policy), progress: 0, createdAt: at, updatedAt: at })
          .run();
      },
      update: async (id: string, patch: JobPatch): Promise<void> => {
        touch();
        const { outputs, ...rest } = patch;
        w.update(schema.jobs)
          .set({ ...rest, ...(outputs !== undefined ? { outputs: outputs === null ? null : canonicalJson(outputs) } : {}), updatedAt: nowIso() })
          .where(eq(schema.jobs.id, id))
          .run();
      },
    },
    tasks: {
      listByJob: async (jobId: string): Promise<Task[]> =>
        w.select().from(schema.tasks).where(eq(schema.tasks.jobId, jobId)).orderBy(asc(schema.tasks.createdAt), asc(schema.tasks.id)).all().map(toTask),
      insert: async (task: NewTask): Promise<void> => {
        touch();
        const at = nowIso();
        w.insert(schema.tasks)
          .values({
            id: task.id,
            jobId: task.jobId,
            kind: task.kind,
            rendition: task.rendition,
            state: 'pending',
            maxAttempts: task.maxAttempts,
            runAfter: task.runAfter ?? 0,
            input: canonicalJson(task.input ?? null),
            createdAt: at,
            updatedAt: at,
          })
          .run();
      },
      /** Takes the oldest runnable pending task of these kinds: attempt + 1, a new fencing token, a lease. */
      lease: async (req: LeaseRequest): Promise<Task | undefined> => {
        const row = w
          .select()
          .from(schema.tasks)
          .where(and(eq(schema.tasks.state, 'pending'), lte(schema.tasks.runAfter, req.now), inArray(schema.tasks.kind, [...req.kinds])))
          .orderBy(asc(schema.tasks.runAfter), asc(schema.tasks.createdAt), asc(schema.tasks.id))
          .limit(1)
          .get();
        if (!row) return undefined;
        touch();
        const patch = {
          state: 'running',
          attempt: row.attempt + 1,
          leaseOwner: req.owner,
          leaseExpiresAt: req.now + req.leaseMs,
          fencingToken: row.fencingToken + 1,
          errorCode: null,
          errorMessage: null,
          updatedAt: nowIso(),
        };
        w.update(schema.tasks).set(patch).where(eq(schema.tasks.id, row.id)).run();
        return toTask({ ...row, ...patch });
      },
      /** Ends a leased attempt; refused (STALE_LEASE) unless `token` still holds the lease. */
      finish: async (id: string, token: number, end: TaskFinish): Promise<Task> => {
        const row = w.select().from(schema.tasks).where(eq(schema.tasks.id, id)).get();
        if (!row || row.state !== 'running' || row.fencingToken !== token) throw staleLease(id, token, row);
        touch();
        const patch = {
          state: end.state,
          output: end.output === undefined ? row.output : canonicalJson(end.output),
          errorCode: end.errorCode ?? null,
          errorMessage: end.errorMessage ?? null,
          leaseOwner: null,
          leaseExpiresAt: null,
          runAfter: end.runAfter ?? row.runAfter,
          updatedAt: nowIso(),
        };
        w.update(schema.tasks).set(patch).where(eq(schema.tasks.id, id)).run();
        return toTask({ ...row, ...patch });
      },
      /** Running tasks whose lease lapsed go back to pending (or dead when out of attempts); the token moves on. */
      requeueExpired: async (now: number, ownerPrefix?: string): Promise<Task[]> => {
        const rows = expiredRows(w, now, ownerPrefix);
        const out: Task[] = [];
        for (const row of rows) {
          touch();
          const dead = row.attempt - row.interruptions >= row.maxAttempts;
          const patch = {
            state: dead ? 'dead' : 'pending',
            leaseOwner: null,
            leaseExpiresAt: null,
            fencingToken: row.fencingToken + 1,
            errorCode: 'LEASE_EXPIRED',
            errorMessage: `lease of ${row.leaseOwner ?? 'unknown'} expired`,
            updatedAt: nowIso(),
          };
          w.update(schema.tasks).set(patch).where(eq(schema.tasks.id, row.id)).run();
          out.push(toTask({ ...row, ...patch }));
        }
        return out;
      },
      listExpired: async (now: number, ownerPrefix?: string): Promise<Task[]> => expiredRows(w, now, ownerPrefix).map(toTask),
      /** Ends an attempt the appliance cut short; it does not count against `maxAttempts`. */
      interrupt: async (id: string, token: number, end: TaskInterruption): Promise<Task> => {
        const row = w.select().from(schema.tasks).where(eq(schema.tasks.id, id)).get();
        if (!row || row.state !== 'running' || row.fencingToken !== token) throw staleLease(id, token, row);
        touch();
        const patch = {
          state: end.state,
          interruptions: row.interruptions + 1,
          leaseOwner: null,
          leaseExpiresAt: null,
          fencingToken: row.fencingToken + 1,
          errorCode: end.errorCode,
          errorMessage: end.errorMessage,
          runAfter: end.runAfter ?? row.runAfter,
          updatedAt: nowIso(),
        };
        w.update(schema.tasks).set(patch).where(eq(schema.tasks.id, id)).run();
        return toTask({ ...row, ...patch });
      },
      /** Cancels a job's unfinished tasks; running attempts lose their lease (token moves on). */
      cancelForJob: async (jobId: string): Promise<Task[]> => {
        const rows = w
          .select()
          .from(schema.tasks)
          .where(and(eq(schema.tasks.jobId, jobId), or(eq(schema.tasks.state, 'pending'), eq(schema.tasks.state, 'running'))))
          .all();
        const out: Task[] = [];
        for (const row of rows) {
          touch();
          const patch = { state: 'cancelled', leaseOwner: null, leaseExpiresAt: null, fencingToken: row.fencingToken + 1, updatedAt: nowIso() };
          w.update(schema.tasks).set(patch).where(eq(schema.tasks.id, row.id)).run();
          out.push(toTask({ ...row, ...patch }));
        }
        return out;
      },
      /** Puts a failed or dead task back to pending for a retry requested by a person. */
      reset: async (id: string, maxAttempts: number): Promise<void> => {
        touch();
        w.update(schema.tasks)
          .set({ state: 'pending', attempt: 0, interruptions: 0, maxAttempts, runAfter: 0, errorCode: null, errorMessage: null, updatedAt: nowIso() })
          .where(eq(schema.tasks.id, id))
          .run();
      },
    },
  };
}

function encodeCursor(job: { createdAt: string; id: string }): string {
  return Buffer.from(`${job.createdAt}|${job.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id) throw new ApplianceError('VALIDATION_FAILED', 'cursor: not a cursor this API gave out');
  return { createdAt, id };
}

/** Reads outside transactions (committed data only). */
export function jobTaskReads(r: Db) {
  return {
    jobs: {
      get: async (id: string): Promise<Job | undefined> => {
        const row = r.select().from(schema.jobs).where(eq(schema.jobs.id, id)).get();
        return row ? toJob(row) : undefined;
      },
      byIdempotencyKey: async (key: string): Promise<Job | undefined> => {
        const row = r.select().from(schema.jobs).where(eq(schema.jobs.idempotencyKey, key)).get();
        return row ? toJob(row) : undefined;
      },
      usesInput: async (inputKey: string): Promise<boolean> =>
        r.select({ id: schema.jobs.id }).from(schema.jobs).where(eq(schema.jobs.inputKey, inputKey)).limit(1).get() !== undefined,
      /** Newest first; the cursor is the last item's position, so pages stay stable as jobs arrive. */
      list: async (q: JobListQuery = {}): Promise<{ items: Job[]; nextCursor: string | null }> => {
        const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
        const conditions: SQL[] = [];
        if (q.state) conditions.push(eq(schema.jobs.state, q.state));
        if (q.from) conditions.push(gte(schema.jobs.createdAt, q.from));
        if (q.to) conditions.push(lt(schema.jobs.createdAt, q.to));
        if (q.text) {
          const pattern = `%${q.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
          const match = (column: AnyColumn) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;
          conditions.push(or(match(schema.jobs.id), match(schema.jobs.inputKey), match(schema.jobs.submittedBy)) as SQL);
        }
        if (q.cursor) {
          const c = decodeCursor(q.cursor);
          conditions.push(or(lt(schema.jobs.createdAt, c.createdAt), and(eq(schema.jobs.createdAt, c.createdAt), lt(schema.jobs.id, c.id))) as SQL);
        }
        const rows = r
          .select()
          .from(schema.jobs)
          .where(conditions.length ? and(...conditions) : undefined)
          .orderBy(desc(schema.jobs.createdAt), desc(schema.jobs.id))
          .limit(limit + 1)
          .all();
        const items = rows.slice(0, limit).map(toJob);
        const last = items[items.length - 1];
        return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
      },
    },
    tasks: {
      get: async (id: string): Promise<Task | undefined> => {
        const row = r.select().from(schema.tasks).where(eq(schema.tasks.id, id)).get();
        return row ? toTask(row) : undefined;
      },
      listByJob: async (jobId: string): Promise<Task[]> =>
        r.select().from(schema.tasks).where(eq(schema.tasks.jobId, jobId)).orderBy(asc(schema.tasks.createdAt), asc(schema.tasks.id)).all().map(toTask),
    },
  };
}

/** Lease renewal: not a state change (no audit event), refused when the token moved on. */
export function renewLease(w: Db, id: string, token: number, expiresAt: number): boolean {
  const res = w
    .update(schema.tasks)
    .set({ leaseExpiresAt: expiresAt })
    .where(and(eq(schema.tasks.id, id), eq(schema.tasks.state, 'running'), eq(schema.tasks.fencingToken, token)))
    .run();
  return res.changes === 1;
}

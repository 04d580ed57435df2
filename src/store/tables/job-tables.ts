import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { ApplianceError } from '../../errors/appliance-error.js';
import { canonicalJson } from '../audit-chain.js';
import type { Job, JobListQuery, JobPatch, JobState, LeaseRequest, NewJob, NewTask, Task, TaskFinish, TaskInterruption, TaskKind, TaskState } from '../jobs.js';
import { first, type TableDb, type Tables } from './table-db.js';

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function toJob(row: Tables['jobs']['$inferSelect']): Job {
  return {
    id: row.id,
    state: row.state as JobState,
    inputKey: row.inputKey,
    inputSha256: row.inputSha256,
    inputSize: row.inputSize,
    ladder: row.ladder,
    ladderVersion: row.ladderVersion,
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

export function toTask(row: Tables['tasks']['$inferSelect']): Task {
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
async function expiredRows({ db, t }: TableDb, now: number, ownerPrefix: string | undefined) {
  const rows = await db
    .select()
    .from(t.tasks)
    .where(and(eq(t.tasks.state, 'running'), lt(t.tasks.leaseExpiresAt, now)))
    .orderBy(asc(t.tasks.leaseExpiresAt), asc(t.tasks.id));
  return rows.filter((row) => ownerPrefix === undefined || (row.leaseOwner ?? '').startsWith(ownerPrefix));
}

/** Pending tasks a lease may take at `req.now`: runnable, of these kinds, of jobs pinned to one of `req.images` (if given). */
function leasable({ db, t }: TableDb, req: Omit<LeaseRequest, 'owner' | 'leaseMs'>): SQL | undefined {
  return and(
    eq(t.tasks.state, 'pending'),
    lte(t.tasks.runAfter, req.now),
    inArray(t.tasks.kind, [...req.kinds]),
    req.images
      ? inArray(
          t.tasks.jobId,
          db
            .select({ id: t.jobs.id })
            .from(t.jobs)
            .where(inArray(t.jobs.encoderImage, [...req.images])),
        )
      : undefined,
  );
}

const taskById = ({ db, t }: TableDb, id: string) => first(db.select().from(t.tasks).where(eq(t.tasks.id, id)));

const tasksOfJob = ({ db, t }: TableDb, jobId: string) =>
  db.select().from(t.tasks).where(eq(t.tasks.jobId, jobId)).orderBy(asc(t.tasks.createdAt), asc(t.tasks.id));

/** Job and task writes inside a transaction; `touch` marks that state was written. */
export function jobTaskWrites(w: TableDb, nowIso: () => string, touch: () => void) {
  const { db, t } = w;
  const setTask = (id: string, patch: Partial<Tables['tasks']['$inferInsert']>) => db.update(t.tasks).set(patch).where(eq(t.tasks.id, id));
  return {
    jobs: {
      get: async (id: string): Promise<Job | undefined> => {
        const row = await first(db.select().from(t.jobs).where(eq(t.jobs.id, id)));
        return row ? toJob(row) : undefined;
      },
      insert: async (job: NewJob): Promise<void> => {
        touch();
        const at = nowIso();
        await db
          .insert(t.jobs)
          .values({ ...job, packaging: canonicalJson(job.packaging), policy: canonicalJson(job.policy), progress: 0, createdAt: at, updatedAt: at });
      },
      update: async (id: string, patch: JobPatch): Promise<void> => {
        touch();
        const { outputs, ...rest } = patch;
        await db
          .update(t.jobs)
          .set({ ...rest, ...(outputs !== undefined ? { outputs: outputs === null ? null : canonicalJson(outputs) } : {}), updatedAt: nowIso() })
          .where(eq(t.jobs.id, id));
      },
    },
    tasks: {
      listByJob: async (jobId: string): Promise<Task[]> => (await tasksOfJob(w, jobId)).map(toTask),
      insert: async (task: NewTask): Promise<void> => {
        touch();
        const at = nowIso();
        await db.insert(t.tasks).values({
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
        });
      },
      /** Takes the oldest runnable pending task of these kinds: attempt + 1, a new fencing token, a lease. */
      lease: async (req: LeaseRequest): Promise<Task | undefined> => {
        const row = await first(
          db.select().from(t.tasks).where(leasable(w, req)).orderBy(asc(t.tasks.runAfter), asc(t.tasks.createdAt), asc(t.tasks.id)).limit(1),
        );
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
        await setTask(row.id, patch);
        return toTask({ ...row, ...patch });
      },
      /** Ends a leased attempt; refused (STALE_LEASE) unless `token` still holds the lease. */
      finish: async (id: string, token: number, end: TaskFinish): Promise<Task> => {
        const row = await taskById(w, id);
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
        await setTask(id, patch);
        return toTask({ ...row, ...patch });
      },
      /** Running tasks whose lease lapsed go back to pending (or dead when out of attempts); the token moves on. */
      requeueExpired: async (now: number, ownerPrefix?: string): Promise<Task[]> => {
        const out: Task[] = [];
        for (const row of await expiredRows(w, now, ownerPrefix)) {
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
          await setTask(row.id, patch);
          out.push(toTask({ ...row, ...patch }));
        }
        return out;
      },
      listExpired: async (now: number, ownerPrefix?: string): Promise<Task[]> => (await expiredRows(w, now, ownerPrefix)).map(toTask),
      /** Ends an attempt the appliance cut short; it does not count against `maxAttempts`. */
      interrupt: async (id: string, token: number, end: TaskInterruption): Promise<Task> => {
        const row = await taskById(w, id);
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
        await setTask(id, patch);
        return toTask({ ...row, ...patch });
      },
      /** Cancels a job's unfinished tasks; running attempts lose their lease (token moves on). */
      cancelForJob: async (jobId: string): Promise<Task[]> => {
        const rows = await db
          .select()
          .from(t.tasks)
          .where(and(eq(t.tasks.jobId, jobId), or(eq(t.tasks.state, 'pending'), eq(t.tasks.state, 'running'))))
          .orderBy(asc(t.tasks.createdAt), asc(t.tasks.id));
        const out: Task[] = [];
        for (const row of rows) {
          touch();
          const patch = { state: 'cancelled', leaseOwner: null, leaseExpiresAt: null, fencingToken: row.fencingToken + 1, updatedAt: nowIso() };
          await setTask(row.id, patch);
          out.push(toTask({ ...row, ...patch }));
        }
        return out;
      },
      /** Puts a failed or dead task back to pending for a retry requested by a person. */
      reset: async (id: string, maxAttempts: number): Promise<void> => {
        touch();
        await setTask(id, {
          state: 'pending',
          attempt: 0,
          interruptions: 0,
          maxAttempts,
          runAfter: 0,
          errorCode: null,
          errorMessage: null,
          updatedAt: nowIso(),
        });
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
export function jobTaskReads(r: TableDb) {
  const { db, t } = r;
  const jobWhere = async (where: SQL) => {
    const row = await first(db.select().from(t.jobs).where(where).limit(1));
    return row ? toJob(row) : undefined;
  };
  return {
    jobs: {
      get: (id: string): Promise<Job | undefined> => jobWhere(eq(t.jobs.id, id)),
      byIdempotencyKey: (key: string): Promise<Job | undefined> => jobWhere(eq(t.jobs.idempotencyKey, key)),
      usesInput: async (inputKey: string): Promise<boolean> =>
        (await first(db.select({ id: t.jobs.id }).from(t.jobs).where(eq(t.jobs.inputKey, inputKey)).limit(1))) !== undefined,
      /** Newest first; the cursor is the last item's position, so pages stay stable as jobs arrive. */
      list: async (q: JobListQuery = {}): Promise<{ items: Job[]; nextCursor: string | null }> => {
        const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
        const conditions: SQL[] = [];
        if (q.state) conditions.push(eq(t.jobs.state, q.state));
        if (q.from) conditions.push(gte(t.jobs.createdAt, q.from));
        if (q.to) conditions.push(lt(t.jobs.createdAt, q.to));
        if (q.text) {
          // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
          const pattern = `%${q.text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
          const match = (column: AnyColumn) => sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
          conditions.push(or(match(t.jobs.id), match(t.jobs.inputKey), match(t.jobs.submittedBy)) as SQL);
        }
        if (q.cursor) {
          const c = decodeCursor(q.cursor);
          // A row comparison: both dialects walk the (created_at, id) index from the cursor (an OR of the two cannot).
          conditions.push(sql`(${t.jobs.createdAt}, ${t.jobs.id}) < (${c.createdAt}, ${c.id})`);
        }
        const rows = await db
          .select()
          .from(t.jobs)
          .where(conditions.length ? and(...conditions) : undefined)
          .orderBy(desc(t.jobs.createdAt), desc(t.jobs.id))
          .limit(limit + 1);
        const items = rows.slice(0, limit).map(toJob);
        const last = items[items.length - 1];
        return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
      },
    },
    tasks: {
      get: async (id: string): Promise<Task | undefined> => {
        const row = await taskById(r, id);
        return row ? toTask(row) : undefined;
      },
      listByJob: async (jobId: string): Promise<Task[]> => (await tasksOfJob(r, jobId)).map(toTask),
      leasableKinds: async (req: Omit<LeaseRequest, 'owner' | 'leaseMs'>): Promise<TaskKind[]> =>
        (await db.selectDistinct({ kind: t.tasks.kind }).from(t.tasks).where(leasable(r, req))).map((row) => row.kind as TaskKind),
      anyExpired: async (now: number): Promise<boolean> =>
        (await first(
          db
            .select({ id: t.tasks.id })
            .from(t.tasks)
            .where(and(eq(t.tasks.state, 'running'), lt(t.tasks.leaseExpiresAt, now)))
            .limit(1),
        )) !== undefined,
    },
  };
}

/** Lease renewal: not a state change (no audit event), refused when the token moved on. */
export async function renewLease({ db, t }: TableDb, id: string, token: number, expiresAt: number): Promise<boolean> {
  const renewed = await db
    .update(t.tasks)
    .set({ leaseExpiresAt: expiresAt })
    .where(and(eq(t.tasks.id, id), eq(t.tasks.state, 'running'), eq(t.tasks.fencingToken, token)))
    .returning({ id: t.tasks.id });
  return renewed.length === 1;
}

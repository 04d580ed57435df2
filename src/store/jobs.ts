/** Jobs and tasks as the store hands them out (JSON columns parsed). DESIGN.md § State. */

export type JobState = 'queued' | 'probing' | 'encoding' | 'packaging' | 'completed' | 'partial' | 'failed' | 'cancelled';
export const terminalJobStates: readonly JobState[] = ['completed', 'partial', 'failed', 'cancelled'];

export type TaskKind = 'probe' | 'encode' | 'stitch' | 'package';
export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export interface JobPolicy {
  partialLadder: 'wait' | 'emit';
}

export interface Job {
  id: string;
  state: JobState;
  inputKey: string;
  inputSha256: string | null;
  inputSize: number | null;
  ladder: string;
  /** The template version the job pinned at submission. */
  ladderVersion: number;
  packaging: string[];
  encoderImage: string;
  policy: JobPolicy;
  idempotencyKey: string | null;
  requestHash: string | null;
  submittedBy: string;
  progress: number;
  errorCode: string | null;
  errorMessage: string | null;
  outputs: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
}

/** A new job; `ladderVersion` defaults to 1 (a built-in template). */
export type NewJob = Omit<Job, 'progress' | 'errorCode' | 'errorMessage' | 'outputs' | 'createdAt' | 'updatedAt' | 'ladderVersion'> & {
  ladderVersion?: number;
};

export type JobPatch = Partial<Pick<Job, 'state' | 'progress' | 'errorCode' | 'errorMessage' | 'outputs' | 'inputSha256' | 'inputSize'>>;

export interface Task {
  id: string;
  jobId: string;
  kind: TaskKind;
  rendition: string | null;
  state: TaskState;
  /** Attempts so far (every lease counts one; the fencing token moves with each). */
  attempt: number;
  /** Of those, attempts the appliance itself cut short (crash, shutdown): not counted against `maxAttempts`. */
  interruptions: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  fencingToken: number;
  runAfter: number;
  input: unknown;
  output: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewTask {
  id: string;
  jobId: string;
  kind: TaskKind;
  rendition: string | null;
  maxAttempts: number;
  input: unknown;
  runAfter?: number;
}

/** How a leased attempt ends. `pending` with `runAfter` is a retry after back-off. */
export interface TaskFinish {
  state: 'succeeded' | 'failed' | 'dead' | 'pending';
  output?: unknown;
  errorCode?: string | null;
  errorMessage?: string | null;
  runAfter?: number;
}

/** How an interrupted attempt ends: back to pending after `runAfter`, or dead when interruptions ran out (CRASH_LOOP). */
export interface TaskInterruption {
  state: 'pending' | 'dead';
  errorCode: string;
  errorMessage: string;
  runAfter?: number;
}

export interface LeaseRequest {
  kinds: readonly TaskKind[];
  owner: string;
  /** Epoch ms. */
  now: number;
  leaseMs: number;
  /** Only tasks of jobs pinned to one of these encoder images (a cluster node leases what it can run); absent: any. */
  images?: readonly string[];
}

export interface JobListQuery {
  state?: JobState;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit?: number;
  /** Created at or after / before this ISO time. */
  from?: string;
  to?: string;
  /** Substring of the job id, the input key or the submitter (case-insensitive). */
  text?: string;
}

/** Job writes, inside `Store.change`. */
export interface JobWrites {
  /** Reads inside the transaction (sees its own uncommitted writes). */
  get(id: string): Promise<Job | undefined>;
  insert(job: NewJob): Promise<void>;
  update(id: string, patch: JobPatch): Promise<void>;
}

/** Task writes, inside `Store.change`. `finish` is fenced: a stale attempt gets STALE_LEASE. */
export interface TaskWrites {
  /** Reads inside the transaction (sees its own uncommitted writes). */
  listByJob(jobId: string): Promise<Task[]>;
  insert(task: NewTask): Promise<void>;
  lease(req: LeaseRequest): Promise<Task | undefined>;
  finish(id: string, token: number, end: TaskFinish): Promise<Task>;
  /** With `ownerPrefix`, only leases held by owners whose name starts with it (this host's earlier processes). */
  requeueExpired(now: number, ownerPrefix?: string): Promise<Task[]>;
  /** Running tasks whose lease lapsed before `now` (same `ownerPrefix` filter as `requeueExpired`); changes nothing. */
  listExpired(now: number, ownerPrefix?: string): Promise<Task[]>;
  /**
   * Ends a running attempt the appliance cut short: interruptions + 1, the attempt not counted
   * against `maxAttempts`, the lease cleared, the token moved on. Refused (STALE_LEASE) unless
   * `token` is the task's current one.
   */
  interrupt(id: string, token: number, end: TaskInterruption): Promise<Task>;
  cancelForJob(jobId: string): Promise<Task[]>;
  reset(id: string, maxAttempts: number): Promise<void>;
}

export interface JobReads {
  get(id: string): Promise<Job | undefined>;
  byIdempotencyKey(key: string): Promise<Job | undefined>;
  /** Whether any job took this input key (a processed input is kept by the lifecycle sweep). */
  usesInput(inputKey: string): Promise<boolean>;
  list(query?: JobListQuery): Promise<{ items: Job[]; nextCursor: string | null }>;
}

export interface TaskReads {
  get(id: string): Promise<Task | undefined>;
  listByJob(jobId: string): Promise<Task[]>;
  /**
   * The kinds (of `kinds`) with a task a lease would take at `now` (same filter as `lease`). A
   * read: the scheduler asks before it opens a write transaction, so an idle node writes nothing.
   */
  leasableKinds(req: Omit<LeaseRequest, 'owner' | 'leaseMs'>): Promise<TaskKind[]>;
  /** Whether any running task's lease lapsed before `now` (a read, before re-queueing in a write). */
  anyExpired(now: number): Promise<boolean>;
  /** Extends a lease (heartbeat). Not a state change, so not audited; false when the token moved on. */
  renewLease(id: string, token: number, expiresAt: number): Promise<boolean>;
}

import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The SQLite schema. Timestamps shown to people are ISO-8601 text; times the runtime
 * compares (leases, back-off) are epoch milliseconds. JSON columns hold canonical JSON text.
 * The PostgreSQL schema mirrors these tables column for column.
 */

export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    state: text('state').notNull(),
    inputKey: text('input_key').notNull(),
    inputSha256: text('input_sha256'),
    inputSize: integer('input_size'),
    ladder: text('ladder').notNull(),
    /** The ladder template version the job pinned at submission (1 for a built-in template and for jobs older than templates). */
    ladderVersion: integer('ladder_version').notNull().default(1),
    packaging: text('packaging').notNull(),
    encoderImage: text('encoder_image').notNull(),
    policy: text('policy').notNull(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    submittedBy: text('submitted_by').notNull(),
    progress: real('progress').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    outputs: text('outputs'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('jobs_idempotency_key').on(t.idempotencyKey),
    index('jobs_state_created').on(t.state, t.createdAt),
    index('jobs_created_id').on(t.createdAt, t.id),
  ],
);

export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    kind: text('kind').notNull(),
    rendition: text('rendition'),
    state: text('state').notNull(),
    attempt: integer('attempt').notNull().default(0),
    /** Attempts the appliance itself cut short (crash, shutdown): not counted against `maxAttempts`. */
    interruptions: integer('interruptions').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at'),
    fencingToken: integer('fencing_token').notNull().default(0),
    runAfter: integer('run_after').notNull().default(0),
    input: text('input'),
    output: text('output'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('tasks_job').on(t.jobId), index('tasks_state_run_after').on(t.state, t.runAfter)],
);

export const encoderImages = sqliteTable('encoder_images', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  version: text('version').notNull(),
  path: text('path').notNull(),
  manifest: text('manifest').notNull(),
  state: text('state').notNull(),
  importedAt: text('imported_at').notNull(),
  verifiedAt: text('verified_at'),
  removedAt: text('removed_at'),
});

export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  events: text('events').notNull(),
  /** `config` (synced from the config file at start) or `api` (registered through the API). */
  source: text('source').notNull().default('api'),
  createdAt: text('created_at').notNull(),
  disabledAt: text('disabled_at'),
});

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    /** Seq of the `webhook.event.queued` audit event that records this event and its targets. */
    eventSeq: integer('event_seq').notNull(),
    eventType: text('event_type').notNull().default(''),
    jobId: text('job_id'),
    /** The exact JSON body sent (signed afresh with a new timestamp at each attempt). */
    body: text('body').notNull().default(''),
    attempt: integer('attempt').notNull().default(0),
    status: text('status').notNull(),
    responseCode: integer('response_code'),
    error: text('error'),
    nextAttemptAt: integer('next_attempt_at'),
    lastAttemptAt: text('last_attempt_at'),
    createdAt: text('created_at').notNull(),
    deliveredAt: text('delivered_at'),
  },
  (t) => [index('webhook_deliveries_status').on(t.status, t.nextAttemptAt), index('webhook_deliveries_webhook').on(t.webhookId, t.createdAt)],
);

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: integer('locked_until'),
  createdAt: text('created_at').notNull(),
  disabledAt: text('disabled_at'),
  /** TOTP (RFC 6238) shared secret, base32, once the account confirmed a code; null: not enrolled. */
  totpSecret: text('totp_secret'),
  totpEnrolledAt: text('totp_enrolled_at'),
  /** The time step of the last accepted code: a code of that step or earlier is a replay. */
  totpLastStep: integer('totp_last_step'),
  /** A secret handed out for enrollment, until a code of it is confirmed at sign-in. */
  totpPendingSecret: text('totp_pending_secret'),
  /** JSON array of the sha256 of each unused recovery code (one-time codes for a lost authenticator). */
  totpRecoveryHashes: text('totp_recovery_hashes'),
});

export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  userId: text('user_id').references(() => users.id),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at'),
  revokedAt: text('revoked_at'),
});

export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    jobId: text('job_id'),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_events_job').on(t.jobId, t.seq), index('audit_events_at').on(t.at), index('audit_events_type_seq').on(t.type, t.seq)],
);

/** One row per signed audit bundle: the chain head it certifies and the previous export's head (docs/audit-bundle.md). */
export const auditExports = sqliteTable('audit_exports', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
  actor: text('actor').notNull(),
  jobId: text('job_id'),
  rangeFrom: text('range_from'),
  rangeTo: text('range_to'),
  /** The events in the bundle: seq of the anchor (the event before the first) and of the last. */
  anchorSeq: integer('anchor_seq').notNull(),
  lastSeq: integer('last_seq').notNull(),
  headSeq: integer('head_seq').notNull(),
  headHash: text('head_hash').notNull(),
  previousId: text('previous_id'),
  previousHeadSeq: integer('previous_head_seq'),
  previousHeadHash: text('previous_head_hash'),
  bundleSha256: text('bundle_sha256').notNull(),
  bundleSize: integer('bundle_size').notNull(),
});
/** Login sessions of operator accounts (the UI's cookie); the cookie secret is stored as sha256 only. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: text('created_at').notNull(),
    /** Epoch ms. */
    expiresAt: integer('expires_at').notNull(),
    /** Epoch ms of the last request the operator made (background refreshes do not count): the idle timeout runs from it. */
    lastSeenAt: integer('last_seen_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('sessions_user').on(t.userId)],
);
/** One file taken (or refused) by a watch folder: its path, content hash and job (src/ingest/). */
export const ingests = sqliteTable(
  'ingests',
  {
    id: text('id').primaryKey(),
    /** The configured watch folder root. */
    folder: text('folder').notNull(),
    /** The file name as found (JSON-escaped only when shown). */
    name: text('name').notNull(),
    /** detected | claimed | submitted | done | failed */
    state: text('state').notNull(),
    /** `dev:ino:size:mtimeMs` when detected: a refused file is recorded once, not at every scan. */
    fingerprint: text('fingerprint').notNull(),
    size: integer('size'),
    sha256: text('sha256'),
    inputKey: text('input_key'),
    jobId: text('job_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('ingests_folder_created').on(t.folder, t.createdAt), index('ingests_folder_name_sha').on(t.folder, t.name, t.sha256)],
);

/**
 * Per-object data keys, each wrapped by a key-encryption key (docs/at-rest.md). The data key
 * itself is never stored; `wrapped` is useless without the facility's KEK. `sha256`/`size` are
 * the plaintext's, recorded when the object's put ends (null while it streams, or if it failed).
 */
export const dataKeys = sqliteTable(
  'data_keys',
  {
    id: text('id').primaryKey(),
    kekId: text('kek_id').notNull(),
    wrapped: text('wrapped').notNull(),
    /** Where the object was first stored (copies share the key). */
    bucket: text('bucket').notNull(),
    objectKey: text('object_key').notNull(),
    sha256: text('sha256'),
    size: integer('size'),
    createdAt: text('created_at').notNull(),
    rewrappedAt: text('rewrapped_at'),
  },
  (t) => [index('data_keys_kek').on(t.kekId)],
);

/**
 * Every node (one `mpegflow start` process) that joined: what it runs and its heartbeat
 * (docs/cluster.md). `process` is the lease owner name of its current process.
 */
export const nodes = sqliteTable('nodes', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  process: text('process').notNull(),
  /** JSON array: `api`, `worker`. */
  roles: text('roles').notNull(),
  /** JSON array of the pools it runs: name, cores, slots. */
  pools: text('pools').notNull(),
  version: text('version').notNull(),
  /** JSON array of the encoder image ids it verified at start (it leases only jobs pinned to them). */
  images: text('images').notNull(),
  /** running | draining | stopped */
  state: text('state').notNull(),
  startedAt: text('started_at').notNull(),
  /** Epoch ms of its last heartbeat. */
  heartbeatAt: integer('heartbeat_at').notNull(),
  /** JSON: its running tasks and load at the last heartbeat. */
  load: text('load').notNull().default('{}'),
  stoppedAt: text('stopped_at'),
});

/** Duties run once in the cluster (lifecycle sweeps, webhook dispatch, signed heads): held by one node at a time, for a while. */
export const duties = sqliteTable('duties', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  /** Epoch ms: another node may take the duty after this. */
  expiresAt: integer('expires_at').notNull(),
});

/**
 * Ladder templates (docs/ladders.md): every version ever saved, never changed or deleted; a
 * job pins (name, version). `template` is the canonical JSON, `sha256` its hash.
 */
export const ladderTemplates = sqliteTable(
  'ladder_templates',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    template: text('template').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('ladder_templates_name_version').on(t.name, t.version)],
);

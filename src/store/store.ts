import type { LadderReads, LadderWrites } from './ladders.js';
import type { ChainVerdict, StoredEvent } from './audit-chain.js';
import type { JobReads, JobWrites, TaskReads, TaskWrites } from './jobs.js';
import type { Role, SessionReads, SessionWrites, UserReads, UserWrites } from './users.js';
import type { IngestReads, IngestWrites } from './ingests.js';
import type { DutyLeases, NodeReads, NodeWrites } from './nodes.js';

/** What a caller appends to the audit trail; seq, time and hashes are the store's. */
export interface AuditInput {
  type: string;
  actor: string;
  jobId?: string | null;
  payload?: Record<string, unknown>;
}

export type AuditEvent = StoredEvent;

export { roles, type Role } from './users.js';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  userId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface NewApiToken {
  id: string;
  name: string;
  role: Role;
  tokenHash: string;
  userId?: string | null;
  expiresAt?: string | null;
}

export type EncoderImageState = 'verified' | 'unverified';

/** A registered encoder image (catalog row). `manifest` is the manifest.json text; `id` its sha256. */
export interface EncoderImageRecord {
  id: string;
  name: string;
  version: string;
  /** The image folder, `<data>/images/<id>`. */
  path: string;
  manifest: string;
  state: EncoderImageState;
  importedAt: string;
  verifiedAt: string | null;
  removedAt: string | null;
}

export type NewEncoderImage = Omit<EncoderImageRecord, 'importedAt' | 'removedAt'>;

export type WebhookSource = 'config' | 'api';

/** A registered webhook target. `secret` signs the deliveries; the API never returns it. */
export interface WebhookRecord {
  id: string;
  url: string;
  secret: string;
  /** Live event types it receives (`job.state`, `task.state`). */
  events: string[];
  source: WebhookSource;
  createdAt: string;
  disabledAt: string | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One (webhook, event) delivery: durable, retried with back-off until delivered or failed. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  /** Seq of the `webhook.event.queued` audit event recording the event and its targets. */
  eventSeq: number;
  eventType: string;
  jobId: string | null;
  /** The JSON body sent. */
  body: string;
  status: WebhookDeliveryStatus;
  /** Attempts made so far. */
  attempt: number;
  responseCode: number | null;
  error: string | null;
  /** Epoch ms of the next attempt (pending only). */
  nextAttemptAt: number | null;
  lastAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface NewWebhookDelivery {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  jobId: string | null;
  body: string;
  nextAttemptAt: number;
}

export interface WebhookDeliveryPatch {
  status: WebhookDeliveryStatus;
  attempt: number;
  responseCode: number | null;
  error: string | null;
  nextAttemptAt: number | null;
  lastAttemptAt: string;
  deliveredAt?: string | null;
}

/** A per-object data key wrapped by a key-encryption key (docs/at-rest.md): never the key itself. */
export interface DataKeyRecord {
  id: string;
  kekId: string;
  /** base64 of nonce ‖ AES-256-GCM(KEK, data key) ‖ tag. */
  wrapped: string;
  /** Where the object was first stored (copies share the key). */
  bucket: string;
  objectKey: string;
  /** The plaintext's sha256 and size, recorded when the put ended (null while it streams or when it failed). */
  sha256: string | null;
  size: number | null;
  createdAt: string;
  rewrappedAt: string | null;
}

export type NewDataKey = Pick<DataKeyRecord, 'id' | 'kekId' | 'wrapped' | 'bucket' | 'objectKey'>;

/** At-most-once messages to every node listening (live events: they carry no state of record). */
export interface ClusterNotifications {
  publish(channel: string, payload: string): Promise<void>;
  /** Calls `onMessage` for each message on `channel` (from any node, this one included) until the returned stop is called. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

/** Writes exist only inside `Store.change`, beside the audit event that explains them. */
export interface StoreTx {
  /** Appends one chained audit event in this transaction. */
  audit(event: AuditInput): Promise<AuditEvent>;
  jobs: JobWrites;
  tasks: TaskWrites;
  users: UserWrites;
  sessions: SessionWrites;
  tokens: {
    insert(token: NewApiToken): Promise<void>;
    revoke(id: string, at: string): Promise<void>;
  };
  images: {
    /** Registers an image; an image removed earlier is registered again (same id = same bytes). */
    insert(image: NewEncoderImage): Promise<void>;
    setState(id: string, state: EncoderImageState, at: string): Promise<void>;
    markRemoved(id: string, at: string): Promise<void>;
  };
  /** Ladder template versions (docs/ladders.md). */
  ladders: LadderWrites;
  webhooks: {
    insert(webhook: Omit<WebhookRecord, 'createdAt' | 'disabledAt'>): Promise<void>;
    /** Changes url/secret/events and re-enables (config sync). */
    update(id: string, patch: Partial<Pick<WebhookRecord, 'url' | 'secret' | 'events'>> & { disabledAt?: string | null }): Promise<void>;
    insertDelivery(delivery: NewWebhookDelivery): Promise<void>;
    updateDelivery(id: string, patch: WebhookDeliveryPatch): Promise<void>;
  };
  /** Watch-folder ingests (src/ingest/). */
  ingests: IngestWrites;
  auditExports: {
    insert(record: AuditExportRecord): Promise<void>;
  };
  /** The cluster's nodes (docs/cluster.md). */
  nodes: NodeWrites;
  dataKeys: {
    /** Key rotation: re-wraps one data key (only if `fromKekId` still wraps it); false if it moved. */
    rewrap(id: string, fromKekId: string, to: { kekId: string; wrapped: string }): Promise<boolean>;
  };
}

/** One signed audit bundle's checkpoint (docs/audit-bundle.md): the head it certifies and the previous export's. */
export interface AuditExportRecord {
  id: string;
  createdAt: string;
  actor: string;
  jobId: string | null;
  rangeFrom: string | null;
  rangeTo: string | null;
  anchorSeq: number;
  lastSeq: number;
  headSeq: number;
  headHash: string;
  previousId: string | null;
  previousHeadSeq: number | null;
  previousHeadHash: string | null;
  bundleSha256: string;
  bundleSize: number;
}

/** An audit event as the exact canonical line that was hashed (`line` = C of docs/audit-chain.md). */
export interface CanonicalEventLine {
  seq: number;
  jobId: string | null;
  prevHash: string;
  hash: string;
  line: string;
}

export interface AuditQuery {
  jobId?: string;
  type?: string;
  afterSeq?: number;
  limit?: number;
}

/**
 * The dialect-neutral store. SQLite is the embedded default; a PostgreSQL driver
 * implements the same interface.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The one way to change state: `fn` runs in a transaction with the write API and
   * must append at least one audit event if it writes; both commit together or neither.
   */
  change<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  jobs: JobReads;
  tasks: TaskReads;
  users: UserReads;
  sessions: SessionReads;
  tokens: {
    findByHash(tokenHash: string): Promise<ApiToken | undefined>;
    list(): Promise<ApiToken[]>;
    countActive(role?: Role): Promise<number>;
  };
  images: {
    /** Registered images (removed ones only with `includeRemoved`), newest import first. */
    list(options?: { includeRemoved?: boolean }): Promise<EncoderImageRecord[]>;
    get(id: string): Promise<EncoderImageRecord | undefined>;
    /**
     * The image a job pins when it names none: the newest verified image built by the
     * Debian recipe, else the newest verified image.
     */
    default(): Promise<EncoderImageRecord | undefined>;
    /** How many jobs pin the image (an image in use cannot be removed). */
    jobsPinning(id: string): Promise<number>;
  };
  webhooks: {
    /** Registered webhooks (disabled ones only with `includeDisabled`), oldest first. */
    list(options?: { includeDisabled?: boolean }): Promise<WebhookRecord[]>;
    get(id: string): Promise<WebhookRecord | undefined>;
    getDelivery(id: string): Promise<WebhookDelivery | undefined>;
    /** A webhook's deliveries, newest first. */
    deliveries(webhookId: string, query?: { status?: WebhookDeliveryStatus; limit?: number }): Promise<WebhookDelivery[]>;
    /** Pending deliveries whose next attempt is due at `now` (epoch ms), oldest first. */
    due(now: number, limit: number): Promise<WebhookDelivery[]>;
    /** Epoch ms of the earliest pending attempt, or null. */
    nextDue(): Promise<number | null>;
  };
  /** Watch-folder ingests (src/ingest/). */
  ingests: IngestReads;
  /** Ladder template versions (docs/ladders.md). */
  ladders: LadderReads;
  /** Aggregates for metrics. */
  stats: {
    jobsByState(): Promise<Record<string, number>>;
  };
  audit: {
    head(): Promise<{ seq: number; hash: string } | null>;
    list(query?: AuditQuery): Promise<AuditEvent[]>;
    /** The newest event of this type, or null (index on type, seq). */
    latest(type: string): Promise<AuditEvent | null>;
    /** Streams every event in seq order. */
    iterate(range?: { fromSeq?: number; toSeq?: number }): AsyncIterable<AuditEvent>;
    verify(): Promise<ChainVerdict>;
    /** The stored hash of one event. */
    hashOf(seq: number): Promise<string | undefined>;
    /** Streams events as their canonical lines (no JSON re-parsing), in seq order, in batches. */
    iterateLines(range: { fromSeq: number; toSeq: number }): AsyncIterable<CanonicalEventLine[]>;
    /** First and last seq of the events at or after `from` / at or before `to` (ISO times) and of `jobId`; null if none. */
    seqBounds(query: { jobId?: string; from?: string; to?: string }): Promise<{ first: number; last: number } | null>;
    /** Distinct job ids of the events in a seq range. */
    jobIdsIn(range: { fromSeq: number; toSeq: number }): Promise<string[]>;
  };
  /**
   * The data-key ring of encryption at rest. `insert` and `settle` are the store's only writes
   * outside `change`: one per stored object, too many for one audit event each (a ladder
   * stores thousands of segments); the key operations that matter (each start's KEK, every
   * rotation, every refused read) are audited. Rotation writes go through `change`.
   */
  dataKeys: {
    insert(record: NewDataKey): Promise<void>;
    settle(id: string, sha256: string, size: number): Promise<void>;
    get(id: string): Promise<DataKeyRecord | undefined>;
    /** How many data keys each KEK wraps. */
    countByKek(): Promise<Record<string, number>>;
    /** Keys wrapped by `kekId`, in id order after `afterId`. */
    page(kekId: string, afterId: string, limit: number): Promise<DataKeyRecord[]>;
  };
  /** The cluster's nodes and their heartbeats. */
  nodes: NodeReads;
  /** Duties run once in the cluster. */
  duties: DutyLeases;
  /**
   * Messages between the nodes of a cluster (PostgreSQL NOTIFY/LISTEN); null on SQLite, whose
   * store one process owns: there is nobody to tell.
   */
  readonly notifications: ClusterNotifications | null;
  auditExports: {
    /** The newest export checkpoint, or null. */
    latest(): Promise<AuditExportRecord | null>;
    list(): Promise<AuditExportRecord[]>;
  };
  close(): Promise<void>;
}

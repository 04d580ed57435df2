import type { ChainVerdict, StoredEvent } from './audit-chain.js';
import type { JobReads, JobWrites, TaskReads, TaskWrites } from './jobs.js';

/** What a caller appends to the audit trail; seq, time and hashes are the store's. */
export interface AuditInput {
  type: string;
  actor: string;
  jobId?: string | null;
  payload?: Record<string, unknown>;
}

export type AuditEvent = StoredEvent;

export type Role = 'admin' | 'operator' | 'viewer' | 'auditor';
export const roles: readonly Role[] = ['admin', 'operator', 'viewer', 'auditor'];

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

/** Writes exist only inside `Store.change`, beside the audit event that explains them. */
export interface StoreTx {
  /** Appends one chained audit event in this transaction. */
  audit(event: AuditInput): Promise<AuditEvent>;
  jobs: JobWrites;
  tasks: TaskWrites;
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
  audit: {
    head(): Promise<{ seq: number; hash: string } | null>;
    list(query?: AuditQuery): Promise<AuditEvent[]>;
    /** Streams every event in seq order. */
    iterate(range?: { fromSeq?: number; toSeq?: number }): AsyncIterable<AuditEvent>;
    verify(): Promise<ChainVerdict>;
  };
  close(): Promise<void>;
}

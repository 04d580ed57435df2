import type { ChainVerdict, StoredEvent } from './audit-chain.js';

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

/** Writes exist only inside `Store.change`, beside the audit event that explains them. */
export interface StoreTx {
  /** Appends one chained audit event in this transaction. */
  audit(event: AuditInput): Promise<AuditEvent>;
  tokens: {
    insert(token: NewApiToken): Promise<void>;
    revoke(id: string, at: string): Promise<void>;
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
  tokens: {
    findByHash(tokenHash: string): Promise<ApiToken | undefined>;
    list(): Promise<ApiToken[]>;
    countActive(role?: Role): Promise<number>;
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

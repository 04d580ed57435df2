import type { Readable } from 'node:stream';

/** The three roles of the object store. */
export type Bucket = 'input' | 'intermediate' | 'output';

export const BUCKETS: readonly Bucket[] = ['input', 'intermediate', 'output'];

/** Buckets whose overwritten (or deleted) objects are kept as previous versions. */
export const VERSIONED_BUCKETS: ReadonlySet<Bucket> = new Set<Bucket>(['input', 'output']);

export interface ObjectRef {
  bucket: Bucket;
  key: string;
}

export interface PutOptions {
  contentType?: string;
  /** If given, the put fails with STORAGE_HASH_MISMATCH (and nothing is stored under the key on the embedded store) when the streamed bytes hash differently. */
  expectedSha256?: string;
}

/** What a put returns: sha256 and size are computed in the same pass that stores the bytes. */
export interface PutResult extends ObjectRef {
  sha256: string;
  size: number;
  /** Server version id (S3 with versioning) or the embedded store's version id. */
  versionId?: string;
  etag?: string;
}

export interface ObjectInfo extends ObjectRef {
  size: number;
  /** Known for every embedded object; on S3 known when it was recorded as `x-amz-meta-sha256` (single-PUT uploads, copies of those, committed worker writes that passed it). */
  sha256?: string;
  contentType?: string;
  lastModified: Date;
  versionId?: string;
  etag?: string;
}

/** One entry of a prefix listing (no per-object metadata read). */
export interface ObjectSummary extends ObjectRef {
  size: number;
  lastModified: Date;
  etag?: string;
}

export interface ObjectVersion extends ObjectRef {
  versionId: string;
  size: number;
  lastModified: Date;
  isLatest: boolean;
}

export interface GetOptions {
  /** Read a previous version (from listVersions). */
  versionId?: string;
}

export interface DeleteOptions {
  /** Also remove every previous version (lifecycle expiry); otherwise a versioned bucket keeps the deleted object as a previous version. */
  allVersions?: boolean;
}

/** How a worker reads an object: a local file read in place (embedded), a presigned GET URL (S3), or a loopback range server (encrypted). */
export type WorkerRead =
  | { kind: 'path'; bucket: Bucket; key: string; path: string; size: number }
  | {
      kind: 'url';
      bucket: Bucket;
      key: string;
      url: string;
      method: 'GET';
      expiresAt: Date;
      size: number;
      /** Encrypted stores: the URL is a loopback range server of the plaintext; release it when done (else it closes at expiry). */
      release?: () => Promise<void>;
    };

/**
 * How a worker writes an object: a local staging file (embedded; becomes the object atomically on
 * `commitWrite`) or a presigned PUT URL (S3; the PUT itself stores it, `commitWrite` confirms it).
 */
export type WorkerWrite =
  { kind: 'path'; bucket: Bucket; key: string; path: string } | { kind: 'url'; bucket: Bucket; key: string; url: string; method: 'PUT'; expiresAt: Date };

export interface CommitOptions {
  contentType?: string;
  /** The sha256 the worker computed while writing (S3: recorded as metadata only via the embedded path; checked on embedded). */
  sha256?: string;
}

export interface AccessOptions {
  /** Presigned URL lifetime in seconds (S3). Default 900 (15 min), max 7 days. */
  expirySeconds?: number;
}

export type StoreBody = Readable | AsyncIterable<Uint8Array>;

/**
 * The one object-store interface. Two adapters implement it with the same behaviour
 * (checked by test/storage/contract.ts): EmbeddedStore (local disk) and S3Store (minio client).
 * Every failure is an ApplianceError with a STORAGE_* code (docs/storage.md).
 */
export interface ObjectStore {
  readonly kind: 'embedded' | 's3';
  /** Start-up: checks reachability and credentials, creates missing buckets (versioned where it applies). */
  open(): Promise<void>;
  /** Cheap health check (credentials + reachability); throws STORAGE_AUTH / STORAGE_UNAVAILABLE. */
  check(): Promise<void>;
  /** Streams `body` into the object, hashing it in the same pass. */
  put(bucket: Bucket, key: string, body: StoreBody, options?: PutOptions): Promise<PutResult>;
  get(bucket: Bucket, key: string, options?: GetOptions): Promise<Readable>;
  /** `length` bytes from `offset` (to the end if omitted; truncated at the end like HTTP ranges). */
  getRange(bucket: Bucket, key: string, offset: number, length?: number): Promise<Readable>;
  stat(bucket: Bucket, key: string): Promise<ObjectInfo>;
  /** Objects whose key starts with `prefix`, in key order (UTF-8 byte order). */
  list(bucket: Bucket, prefix?: string): AsyncIterable<ObjectSummary>;
  /** Every stored version of one key, newest first (the current one has isLatest). */
  listVersions(bucket: Bucket, key: string): Promise<ObjectVersion[]>;
  copy(source: ObjectRef, target: ObjectRef): Promise<ObjectInfo>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(bucket: Bucket, key: string, options?: DeleteOptions): Promise<void>;
  readAccess(bucket: Bucket, key: string, options?: AccessOptions): Promise<WorkerRead>;
  writeAccess(bucket: Bucket, key: string, options?: AccessOptions): Promise<WorkerWrite>;
  /** After the worker wrote to a WorkerWrite: makes it the object (embedded) / confirms it (S3). */
  commitWrite(target: WorkerWrite, options?: CommitOptions): Promise<ObjectInfo>;
  close(): Promise<void>;
}

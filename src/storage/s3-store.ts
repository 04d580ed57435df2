import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { isApplianceError } from '../errors/appliance-error.js';
import { StreamDigest } from './hashing-stream.js';
import { assertBucket, assertKey, assertPrefix } from './keys.js';
import {
  BUCKETS,
  VERSIONED_BUCKETS,
  type AccessOptions,
  type Bucket,
  type CommitOptions,
  type DeleteOptions,
  type GetOptions,
  type ObjectInfo,
  type ObjectRef,
  type ObjectStore,
  type ObjectSummary,
  type ObjectVersion,
  type PutOptions,
  type PutResult,
  type StoreBody,
  type WorkerRead,
  type WorkerWrite,
} from './object-store.js';
import { PartReader } from './part-reader.js';
import { checkRangeArgs } from './range.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { isTransient, mapS3Error, type S3ErrorContext } from './s3-errors.js';
import { hashMismatch, invalidKey, unavailable } from './storage-errors.js';

export interface S3StoreOptions {
  /** e.g. `http://127.0.0.1:9000`. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Bucket names are `<prefix><role>`; default `mpegflow-` (→ `mpegflow-input`, …). */
  bucketPrefix?: string;
  /** Explicit names per role (win over the prefix). */
  bucketNames?: Partial<Record<Bucket, string>>;
  /** Multipart part size; streams up to this size go in one PUT (with their sha256 as metadata). Default 64 MiB. */
  partSize?: number;
  /** Default presigned URL lifetime, seconds. Default 900. */
  presignExpirySeconds?: number;
  /** Back-off for connection errors and 5xx. Default 4 attempts, 100 ms doubling, 2 s cap. */
  retry?: Partial<RetryPolicy>;
  /** open() creates missing buckets (and enables versioning on input/output). Default true. */
  createBuckets?: boolean;
  /** PEM CA certificates an `https://` endpoint's certificate must chain to (instead of the host's trusted CAs). Verification is never turned off. */
  caPem?: string;
}

const SHA256_META = 'sha256';
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * The object store on MinIO or any S3 (path-style), via the `minio` client. Small streams (≤ partSize)
 * go in one PUT carrying `x-amz-meta-sha256`; larger ones are multipart uploads whose sha256 is
 * computed while streaming and returned by put() (S3 metadata is fixed when the upload starts, so it is
 * not stored on the object: the caller records it, e.g. in the audit trail).
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  readonly client: Client;
  readonly endpoint: string;
  private readonly names: Record<Bucket, string>;
  private readonly partSize: number;
  private readonly presignSeconds: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly createBuckets: boolean;
  private readonly agent: Agent;
  /** Whether the server accepted versioning per bucket (learned in open()). */
  readonly versioning = new Map<Bucket, boolean>();

  constructor(options: S3StoreOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch (err) {
      throw invalidKey(`invalid S3 endpoint ${JSON.stringify(options.endpoint)}`, { endpoint: options.endpoint });
    }
    const useSSL = url.protocol === 'https:';
    this.endpoint = `${url.protocol}//${url.host}`;
    if (options.caPem !== undefined && !useSSL) {
      throw invalidKey(`a CA file is set for the S3 endpoint ${this.endpoint}, which is not https://`, { endpoint: this.endpoint });
    }
    this.agent = useSSL
      ? new HttpsAgent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: true, ...(options.caPem !== undefined ? { ca: options.caPem } : {}) })
      : new Agent({ keepAlive: true, maxSockets: 16 });
    this.partSize = options.partSize ?? 64 * 1024 * 1024;
    this.presignSeconds = options.presignExpirySeconds ?? 900;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.createBuckets = options.createBuckets ?? true;
    const prefix = options.bucketPrefix ?? 'mpegflow-';
    this.names = {
      input: options.bucketNames?.input ?? `${prefix}input`,
      intermediate: options.bucketNames?.intermediate ?? `${prefix}intermediate`,
      output: options.bucketNames?.output ?? `${prefix}output`,
    };
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port === '' ? (useSSL ? 443 : 80) : Number(url.port),
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region ?? 'us-east-1',
      pathStyle: true,
      partSize: this.partSize,
      transportAgent: this.agent,
      // Our own retries (connection errors too, bounded, no console noise).
      retryOptions: { disableRetry: true },
    });
  }

  bucketName(bucket: Bucket): string {
    return this.names[bucket];
  }

  async open(): Promise<void> {
    await this.check();
    for (const bucket of BUCKETS) {
      const name = this.names[bucket];
      const exists = await this.call({ op: 'bucketExists', bucket, bucketName: name }, () => this.client.bucketExists(name));
      if (!exists) {
        if (!this.createBuckets)
          throw mapS3Error(Object.assign(new Error('missing'), { code: 'NoSuchBucket' }), { endpoint: this.endpoint, bucket, bucketName: name, op: 'open' });
        await this.call({ op: 'makeBucket', bucket, bucketName: name }, async () => {
          try {
            await this.client.makeBucket(name, 'us-east-1');
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
          }
        });
      }
      if (VERSIONED_BUCKETS.has(bucket)) {
        let enabled: boolean;
        try {
          const current = await this.call({ op: 'getBucketVersioning', bucket, bucketName: name }, () => this.client.getBucketVersioning(name));
          enabled = (current as { Status?: string } | undefined)?.Status === 'Enabled';
          if (!enabled) {
            await this.call({ op: 'setBucketVersioning', bucket, bucketName: name }, () => this.client.setBucketVersioning(name, { Status: 'Enabled' }));
            enabled = true;
          }
        } catch (err) {
          // A server without versioning: objects still work, overwrites are not kept.
          if (isApplianceError(err) && (err.code === 'STORAGE_AUTH' || err.code === 'STORAGE_UNAVAILABLE')) throw err;
          enabled = false;
        }
        this.versioning.set(bucket, enabled);
      } else {
        this.versioning.set(bucket, false);
      }
    }
  }

  /** Signed GET of the service (ListBuckets): a wrong secret answers SignatureDoesNotMatch → STORAGE_AUTH. */
  async check(): Promise<void> {
    await this.call({ op: 'check (ListBuckets)' }, () => this.client.listBuckets());
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  async put(bucket: Bucket, key: string, body: StoreBody, options: PutOptions = {}): Promise<PutResult> {
    assertBucket(bucket);
    assertKey(key);
    const name = this.names[bucket];
    const ctx: S3ErrorContext = { endpoint: this.endpoint, bucket, bucketName: name, key, op: 'put' };
    const digest = new StreamDigest();
    const reader = new PartReader(body as AsyncIterable<unknown>, this.partSize, digest);
    let uploadId: string | undefined;
    try {
      const first = await reader.next();
      const baseHeaders: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/octet-stream' };
      if (first === undefined || first.last) {
        // Whole object in hand: one PUT, sha256 known in advance → stored as x-amz-meta-sha256.
        const buf = first?.part ?? Buffer.alloc(0);
        const sha256 = digest.sha256;
        if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() !== sha256)
          throw hashMismatch(bucket, key, options.expectedSha256, sha256);
        const res = await this.retrying(ctx, () => this.client.putObject(name, key, buf, buf.length, { ...baseHeaders, [SHA256_META]: sha256 }));
        return { bucket, key, sha256, size: buf.length, ...(res.versionId ? { versionId: res.versionId } : {}), etag: res.etag };
      }
      // Multipart: metadata is fixed at initiation, before the hash is known.
      const id = await this.retrying(ctx, () => this.client.initiateNewMultipartUpload(name, key, baseHeaders));
      uploadId = id;
      const etags: { part: number; etag: string }[] = [];
      let partNumber = 1;
      let current: Buffer | undefined = first.part;
      while (current !== undefined) {
        const n = partNumber++;
        const chunk: Buffer = current;
        // Upload this part while the next one is read (and hashed) from the source.
        const [etag, next] = await Promise.all([this.retrying(ctx, () => this.uploadPart(name, key, id, n, chunk)), reader.next()]);
        etags.push({ part: n, etag });
        current = next?.part;
      }
      const sha256 = digest.sha256;
      if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() !== sha256)
        throw hashMismatch(bucket, key, options.expectedSha256, sha256);
      const done = await this.retrying(ctx, () => this.client.completeMultipartUpload(name, key, id, etags));
      uploadId = undefined;
      return { bucket, key, sha256, size: digest.size, ...(done.versionId ? { versionId: done.versionId } : {}), etag: done.etag };
    } catch (err) {
      await reader.cancel();
      if (uploadId !== undefined) {
        const id = uploadId;
        await this.client.abortMultipartUpload(name, key, id).catch(() => undefined);
      }
      throw mapS3Error(err, ctx);
    }
  }

  async get(bucket: Bucket, key: string, options: GetOptions = {}): Promise<Readable> {
    assertBucket(bucket);
    assertKey(key);
    const name = this.names[bucket];
    return this.call({ op: 'get', bucket, bucketName: name, key }, () =>
      this.client.getObject(name, key, options.versionId !== undefined ? { versionId: options.versionId } : {}),
    );
  }

  async getRange(bucket: Bucket, key: string, offset: number, length?: number): Promise<Readable> {
    assertBucket(bucket);
    assertKey(key);
    checkRangeArgs(offset, length);
    const name = this.names[bucket];
    if (offset === 0 && length === undefined) {
      // minio sends no Range header for 0-: ask explicitly so an empty object answers 416 like the embedded store.
      return this.call({ op: 'getRange', bucket, bucketName: name, key }, async () => {
        const info = await this.client.statObject(name, key);
        if (info.size === 0) throw Object.assign(new Error('empty object'), { code: 'InvalidRange' });
        return this.client.getObject(name, key);
      });
    }
    return this.call({ op: 'getRange', bucket, bucketName: name, key }, () => this.client.getPartialObject(name, key, offset, length));
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo> {
    assertBucket(bucket);
    assertKey(key);
    const name = this.names[bucket];
    const st = await this.call({ op: 'stat', bucket, bucketName: name, key }, () => this.client.statObject(name, key));
    const meta = st.metaData as Record<string, unknown>;
    const sha256 = typeof meta[SHA256_META] === 'string' ? (meta[SHA256_META] as string) : undefined;
    const contentType = typeof meta['content-type'] === 'string' ? (meta['content-type'] as string) : undefined;
    return {
      bucket,
      key,
      size: st.size,
      ...(sha256 !== undefined ? { sha256 } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      lastModified: st.lastModified,
      ...(st.versionId ? { versionId: st.versionId } : {}),
      etag: st.etag,
    };
  }

  async *list(bucket: Bucket, prefix = ''): AsyncIterable<ObjectSummary> {
    assertBucket(bucket);
    assertPrefix(prefix);
    const name = this.names[bucket];
    const ctx: S3ErrorContext = { endpoint: this.endpoint, bucket, bucketName: name, op: 'list' };
    let token = '';
    for (;;) {
      const page = await this.call(ctx, () => this.client.listObjectsV2Query(name, prefix, token, '', 1000, ''));
      for (const item of page.objects) {
        if (item.name === undefined) continue;
        yield { bucket, key: item.name, size: item.size, lastModified: item.lastModified, etag: item.etag };
      }
      if (!page.isTruncated || !page.nextContinuationToken) return;
      token = page.nextContinuationToken;
    }
  }

  async listVersions(bucket: Bucket, key: string): Promise<ObjectVersion[]> {
    assertBucket(bucket);
    assertKey(key);
    const name = this.names[bucket];
    const ctx: S3ErrorContext = { endpoint: this.endpoint, bucket, bucketName: name, key, op: 'listVersions' };
    const out: ObjectVersion[] = [];
    let keyMarker = '';
    let versionIdMarker = '';
    for (;;) {
      const page = await this.call(ctx, () =>
        this.client.listObjectsQuery(name, key, '', { Delimiter: '', MaxKeys: 1000, IncludeVersion: true, keyMarker, versionIdMarker }),
      );
      for (const raw of page.objects ?? []) {
        const item = raw as { name?: string; versionId?: string; size?: number; lastModified?: Date; isLatest?: boolean; isDeleteMarker?: boolean };
        if (item.name !== key || item.isDeleteMarker === true || item.versionId === undefined) continue;
        out.push({
          bucket,
          key,
          versionId: item.versionId,
          size: item.size ?? 0,
          lastModified: item.lastModified ?? new Date(0),
          isLatest: item.isLatest === true,
        });
      }
      if (!page.isTruncated) break;
      keyMarker = page.keyMarker ?? '';
      versionIdMarker = page.versionIdMarker ?? '';
      if (keyMarker === '') break;
    }
    out.sort((a, b) => Number(b.isLatest) - Number(a.isLatest) || b.lastModified.getTime() - a.lastModified.getTime());
    return out;
  }

  async copy(source: ObjectRef, target: ObjectRef): Promise<ObjectInfo> {
    assertBucket(source.bucket);
    assertKey(source.key);
    assertBucket(target.bucket);
    assertKey(target.key);
    const src = new CopySourceOptions({ Bucket: this.names[source.bucket], Object: source.key });
    const dst = new CopyDestinationOptions({ Bucket: this.names[target.bucket], Object: target.key });
    await this.call({ op: 'copy', bucket: source.bucket, bucketName: this.names[source.bucket], key: source.key }, () => this.client.copyObject(src, dst));
    return this.stat(target.bucket, target.key);
  }

  async delete(bucket: Bucket, key: string, options: DeleteOptions = {}): Promise<void> {
    assertBucket(bucket);
    assertKey(key);
    const name = this.names[bucket];
    const ctx: S3ErrorContext = { endpoint: this.endpoint, bucket, bucketName: name, key, op: 'delete' };
    if (options.allVersions === true) {
      for (const v of await this.rawVersionIds(bucket, key)) {
        await this.call(ctx, () => this.client.removeObject(name, key, { versionId: v }));
      }
      // Unversioned buckets (or servers without versioning) have no version ids: a plain delete.
    }
    await this.call(ctx, () => this.client.removeObject(name, key));
    if (options.allVersions === true) {
      // The plain delete above leaves a delete marker in a versioned bucket: remove it too.
      for (const v of await this.rawVersionIds(bucket, key)) {
        await this.call(ctx, () => this.client.removeObject(name, key, { versionId: v }));
      }
    }
  }

  async readAccess(bucket: Bucket, key: string, options: AccessOptions = {}): Promise<WorkerRead> {
    const info = await this.stat(bucket, key);
    const seconds = this.expiry(options);
    const name = this.names[bucket];
    const url = await this.call({ op: 'presign GET', bucket, bucketName: name, key }, () => this.client.presignedGetObject(name, key, seconds));
    return { kind: 'url', bucket, key, url, method: 'GET', expiresAt: new Date(Date.now() + seconds * 1000), size: info.size };
  }

  async writeAccess(bucket: Bucket, key: string, options: AccessOptions = {}): Promise<WorkerWrite> {
    assertBucket(bucket);
    assertKey(key);
    const seconds = this.expiry(options);
    const name = this.names[bucket];
    const url = await this.call({ op: 'presign PUT', bucket, bucketName: name, key }, () => this.client.presignedPutObject(name, key, seconds));
    return { kind: 'url', bucket, key, url, method: 'PUT', expiresAt: new Date(Date.now() + seconds * 1000) };
  }

  async commitWrite(target: WorkerWrite, options: CommitOptions = {}): Promise<ObjectInfo> {
    if (target.kind !== 'url') throw invalidKey('the S3 store commits only presigned-URL worker writes');
    const info = await this.stat(target.bucket, target.key);
    // The PUT already stored the object; a worker-computed hash is reported, not re-read.
    return { ...info, ...(info.sha256 === undefined && options.sha256 !== undefined ? { sha256: options.sha256 } : {}) };
  }

  // ---- internals ---------------------------------------------------------------------------------

  private expiry(options: AccessOptions): number {
    const s = options.expirySeconds ?? this.presignSeconds;
    if (!Number.isInteger(s) || s < 1 || s > MAX_PRESIGN_SECONDS) throw invalidKey(`presign expiry must be 1..${MAX_PRESIGN_SECONDS} seconds`);
    return s;
  }

  private async uploadPart(bucketName: string, key: string, uploadId: string, partNumber: number, chunk: Buffer): Promise<string> {
    const res = await this.client.makeRequestAsyncOmit(
      {
        method: 'PUT',
        bucketName,
        objectName: key,
        query: `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
        headers: { 'Content-Length': String(chunk.length) },
      },
      chunk,
      [200],
    );
    const etag = res.headers.etag;
    return typeof etag === 'string' ? etag.replace(/^"|"$/g, '') : '';
  }

  private async rawVersionIds(bucket: Bucket, key: string): Promise<string[]> {
    const name = this.names[bucket];
    const page = await this.call({ op: 'listVersions', bucket, bucketName: name, key }, () =>
      this.client.listObjectsQuery(name, key, '', { Delimiter: '', MaxKeys: 1000, IncludeVersion: true }),
    );
    const ids: string[] = [];
    for (const raw of page.objects ?? []) {
      const item = raw as { name?: string; versionId?: string };
      if (item.name === key && item.versionId !== undefined && item.versionId !== 'null') ids.push(item.versionId);
    }
    return ids;
  }

  /** Retries transient failures; maps every error to a STORAGE_* code. */
  private async call<T>(ctx: Omit<S3ErrorContext, 'endpoint'>, work: () => Promise<T>): Promise<T> {
    const full: S3ErrorContext = { endpoint: this.endpoint, ...ctx };
    try {
      return await this.retrying(full, work);
    } catch (err) {
      throw mapS3Error(err, full);
    }
  }

  private retrying<T>(ctx: S3ErrorContext, work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.retryPolicy, isTransient, (err, attempts) =>
      unavailable(
        `S3 at ${ctx.endpoint} unavailable after ${attempts} attempts during ${ctx.op}: ${(err as Error).message || (err as { code?: string }).code}`,
        err,
        {
          endpoint: ctx.endpoint,
          attempts,
        },
      ),
    );
  }
}

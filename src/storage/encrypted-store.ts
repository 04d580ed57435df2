import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newDataKey, unwrapDataKey, type KeyEncryptionKey } from '../at-rest/key-encryption-key.js';
import {
  decodeHeader,
  decryptingStream,
  decryptRangeStream,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  encryptingStream,
  HEADER_BYTES,
  plaintextLength,
  type EnvelopeHeader,
} from '../at-rest/object-envelope.js';
import { serveRanges } from '../at-rest/range-server.js';
import { ApplianceError, isApplianceError } from '../errors/appliance-error.js';
import { asBuffer, StreamDigest } from './hashing-stream.js';
import type {
  AccessOptions,
  Bucket,
  CommitOptions,
  DeleteOptions,
  GetOptions,
  ObjectInfo,
  ObjectRef,
  ObjectStore,
  ObjectSummary,
  ObjectVersion,
  PutOptions,
  PutResult,
  StoreBody,
  WorkerRead,
  WorkerWrite,
} from './object-store.js';
import { receivePut, type PutReceiver } from './put-receiver.js';
import { assertBucket, assertKey } from './keys.js';
import { checkRangeArgs } from './range.js';
import { hashMismatch, invalidKey, invalidRange, notFound } from './storage-errors.js';

/** Where the wrapped data keys live (the database's `data_keys`, `Store.dataKeys`). */
export interface DataKeyRing {
  insert(record: { id: string; kekId: string; wrapped: string; bucket: string; objectKey: string }): Promise<void>;
  settle(id: string, sha256: string, size: number): Promise<void>;
  get(id: string): Promise<{ id: string; kekId: string; wrapped: string; sha256: string | null } | undefined>;
}

/** The KEKs: `current` wraps new data keys; `all` (current first) unwrap. */
export interface KeySet {
  current: KeyEncryptionKey;
  all: readonly KeyEncryptionKey[];
}

/** A read refused because the object or its key failed a check (audited by the caller). */
export interface RefusedRead {
  bucket: Bucket;
  key: string;
  code: string;
  message: string;
}

export interface EncryptedStoreOptions {
  /** Called for every read refused by a check (tampered, cut, unwrappable, key missing): the caller audits it. */
  onRefused?: (event: RefusedRead) => void;
}

const REFUSAL_CODES = new Set(['OBJECT_TAMPERED', 'OBJECT_TRUNCATED', 'OBJECT_NOT_ENCRYPTED', 'KEK_UNAVAILABLE', 'KEK_UNWRAP_FAILED', 'DATA_KEY_MISSING']);

/** Hashes the plaintext on its way in; at the end a mismatch with `expected` fails the stream before the last chunk is sealed. */
class PlaintextDigest extends Transform {
  readonly digest = new StreamDigest();

  constructor(
    private readonly expected: string | undefined,
    private readonly ref: ObjectRef,
  ) {
    super();
  }

  override _transform(chunk: unknown, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = asBuffer(chunk);
    this.digest.update(buf);
    done(null, buf);
  }

  override _flush(done: TransformCallback): void {
    if (this.expected !== undefined && this.expected.toLowerCase() !== this.digest.sha256) {
      done(hashMismatch(this.ref.bucket, this.ref.key, this.expected, this.digest.sha256));
    } else done();
  }
}

/**
 * Encryption at rest over any object store (embedded or S3: the same client-side format,
 * docs/at-rest.md). Each put gets a new data key, wrapped by the current KEK and recorded in
 * the key ring before a byte is written; the inner store holds only the sealed form. Reads
 * check every chunk before returning a byte of it; sizes and sha256 are the plaintext's.
 * Workers read through a loopback range server and write through a loopback PUT receiver,
 * so no plaintext copy reaches a disk.
 */
export class EncryptedStore implements ObjectStore {
  readonly #receivers = new Map<string, PutReceiver<PutResult>>();

  constructor(
    readonly inner: ObjectStore,
    private readonly keys: KeySet,
    private readonly ring: DataKeyRing,
    private readonly options: EncryptedStoreOptions = {},
  ) {}

  get kind(): ObjectStore['kind'] {
    return this.inner.kind;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  async close(): Promise<void> {
    for (const receiver of this.#receivers.values()) await receiver.close();
    this.#receivers.clear();
    await this.inner.close();
  }

  async put(bucket: Bucket, key: string, body: StoreBody, options: PutOptions = {}): Promise<PutResult> {
    // A refused key or bucket leaves no key row.
    assertBucket(bucket);
    assertKey(key);
    const { dataKey, record } = await newDataKey(this.keys.current);
    await this.ring.insert({ id: record.dataKeyId, kekId: record.kekId, wrapped: record.wrapped, bucket, objectKey: key });
    const digest = new PlaintextDigest(options.expectedSha256, { bucket, key });
    const sealed = coalescing(4 * DEFAULT_CHUNK_SIZE);
    // Any failure (the body's, a hash mismatch) ends `sealed` with it, so the inner put stores nothing.
    pipeline(
      body instanceof Readable ? body : Readable.from(body),
      digest,
      encryptingStream(dataKey, encodeHeader(DEFAULT_CHUNK_SIZE, record.dataKeyId)),
      sealed,
    ).catch(() => undefined);
    const stored = await this.inner.put(bucket, key, sealed, options.contentType !== undefined ? { contentType: options.contentType } : {});
    await this.ring.settle(record.dataKeyId, digest.digest.sha256, digest.digest.size);
    return { ...stored, sha256: digest.digest.sha256, size: digest.digest.size };
  }

  async get(bucket: Bucket, key: string, options: GetOptions = {}): Promise<Readable> {
    const sealed = await this.inner.get(bucket, key, options);
    const source = sealed[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      // The header first (eagerly: a missing or unwrappable key is the get's error, not the stream's).
      let head: Buffer = Buffer.alloc(0);
      while (head.length < HEADER_BYTES) {
        const next = await source.next();
        if (next.done) break;
        head = Buffer.concat([head, asBuffer(next.value)]);
      }
      const what = `${bucket}/${key}`;
      const header = await this.refusing(bucket, key, async () => decodeHeader(head, what));
      const dataKey = await this.dataKeyOf(bucket, key, header);
      const rest = (async function* () {
        yield head;
        // for-await ends the sealed stream (its iterator's return) when the reader stops early.
        for await (const chunk of { [Symbol.asyncIterator]: () => source }) yield asBuffer(chunk);
      })();
      const out = decryptingStream(dataKey, header.dataKeyId, what);
      pipeline(Readable.from(rest), out).catch((err: unknown) => this.report(bucket, key, err));
      return out;
    } catch (err) {
      sealed.destroy();
      throw err;
    }
  }

  async getRange(bucket: Bucket, key: string, offset: number, length?: number): Promise<Readable> {
    checkRangeArgs(offset, length);
    const { header, cipherLength, size, dataKey } = await this.opened(bucket, key);
    if (offset >= size) throw invalidRange(`range starts at ${offset}, object ${bucket}/${key} has ${size} bytes`, { offset, size });
    const end = Math.min(size, length === undefined ? size : offset + length) - 1;
    return this.rangeStream(bucket, key, header, dataKey, cipherLength, offset, end);
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo> {
    const info = await this.inner.stat(bucket, key);
    const header = await this.headerOf(bucket, key);
    const row = await this.ring.get(header.dataKeyId);
    if (!row) throw this.missingKey(bucket, key, header);
    const size = await this.refusing(bucket, key, async () => plaintextLength(info.size, header.chunkSize, `${bucket}/${key}`));
    const { sha256: _cipherSha, etag: _etag, ...rest } = info;
    return { ...rest, size, ...(row.sha256 !== null ? { sha256: row.sha256 } : {}) };
  }

  async *list(bucket: Bucket, prefix?: string): AsyncIterable<ObjectSummary> {
    for await (const o of this.inner.list(bucket, prefix)) yield { ...o, size: plainSize(o.size) };
  }

  async listVersions(bucket: Bucket, key: string): Promise<ObjectVersion[]> {
    return (await this.inner.listVersions(bucket, key)).map((v) => ({ ...v, size: plainSize(v.size) }));
  }

  /** The sealed bytes are copied; both objects share the data key (the same content). */
  async copy(source: ObjectRef, target: ObjectRef): Promise<ObjectInfo> {
    await this.stat(source.bucket, source.key);
    await this.inner.copy(source, target);
    return this.stat(target.bucket, target.key);
  }

  delete(bucket: Bucket, key: string, options?: DeleteOptions): Promise<void> {
    return this.inner.delete(bucket, key, options);
  }

  /** A loopback range server of the plaintext (decrypted as read), closed at `release()` or at expiry. */
  async readAccess(bucket: Bucket, key: string, options: AccessOptions = {}): Promise<WorkerRead> {
    const { header, cipherLength, size, dataKey } = await this.opened(bucket, key);
    const served = await serveRanges({ size, read: (start, end) => this.rangeStream(bucket, key, header, dataKey, cipherLength, start, end) }, (err) =>
      this.report(bucket, key, err),
    );
    const seconds = options.expirySeconds ?? 900;
    const timer = setTimeout(() => void served.close(), seconds * 1000);
    timer.unref();
    return {
      kind: 'url',
      bucket,
      key,
      url: served.url,
      method: 'GET',
      expiresAt: new Date(Date.now() + seconds * 1000),
      size,
      release: async () => {
        clearTimeout(timer);
        await served.close();
      },
    };
  }

  /** A loopback PUT receiver that seals the body into the store as it arrives; `commitWrite` waits for it. */
  async writeAccess(bucket: Bucket, key: string, options: AccessOptions = {}): Promise<WorkerWrite> {
    assertBucket(bucket);
    assertKey(key);
    const receiver = await receivePut((body) => this.put(bucket, key, body));
    this.#receivers.set(receiver.url, receiver);
    const seconds = options.expirySeconds ?? 900;
    const timer = setTimeout(() => void this.#dropReceiver(receiver.url), seconds * 1000);
    timer.unref();
    return { kind: 'url', bucket, key, url: receiver.url, method: 'PUT', expiresAt: new Date(Date.now() + seconds * 1000) };
  }

  async commitWrite(target: WorkerWrite, options: CommitOptions = {}): Promise<ObjectInfo> {
    if (target.kind !== 'url') throw invalidKey('an encrypted store commits only the PUT URLs it handed out');
    const url = target.url;
    const receiver = this.#receivers.get(url);
    if (!receiver || !receiver.received()) throw notFound(target.bucket, target.key);
    try {
      const put = await receiver.result();
      if (options.sha256 !== undefined && options.sha256.toLowerCase() !== put.sha256)
        throw hashMismatch(target.bucket, target.key, options.sha256, put.sha256);
      return await this.stat(target.bucket, target.key);
    } finally {
      await this.#dropReceiver(url);
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  async #dropReceiver(url: string): Promise<void> {
    const receiver = this.#receivers.get(url);
    this.#receivers.delete(url);
    await receiver?.close();
  }

  private async headerOf(bucket: Bucket, key: string): Promise<EnvelopeHeader> {
    const chunks: Buffer[] = [];
    for await (const c of await this.inner.getRange(bucket, key, 0, HEADER_BYTES)) chunks.push(asBuffer(c));
    return this.refusing(bucket, key, async () => decodeHeader(Buffer.concat(chunks), `${bucket}/${key}`));
  }

  private async opened(bucket: Bucket, key: string): Promise<{ header: EnvelopeHeader; cipherLength: number; size: number; dataKey: Buffer }> {
    const info = await this.inner.stat(bucket, key);
    const header = await this.headerOf(bucket, key);
    const size = await this.refusing(bucket, key, async () => plaintextLength(info.size, header.chunkSize, `${bucket}/${key}`));
    return { header, cipherLength: info.size, size, dataKey: await this.dataKeyOf(bucket, key, header) };
  }

  private async dataKeyOf(bucket: Bucket, key: string, header: EnvelopeHeader): Promise<Buffer> {
    const row = await this.ring.get(header.dataKeyId);
    if (!row) throw this.missingKey(bucket, key, header);
    return this.refusing(bucket, key, () => unwrapDataKey({ kekId: row.kekId, dataKeyId: row.id, wrapped: row.wrapped }, this.keys.all));
  }

  private rangeStream(bucket: Bucket, key: string, header: EnvelopeHeader, dataKey: Buffer, cipherLength: number, start: number, end: number): Readable {
    const out = Readable.from(
      decryptRangeStream(dataKey, header, cipherLength, start, end, (offset, length) => this.inner.getRange(bucket, key, offset, length), `${bucket}/${key}`),
    );
    out.on('error', (err) => this.report(bucket, key, err));
    return out;
  }

  private missingKey(bucket: Bucket, key: string, header: EnvelopeHeader): ApplianceError {
    const err = new ApplianceError(
      'DATA_KEY_MISSING',
      `${bucket}/${key} was sealed with data key ${header.dataKeyId}, which is not in the key ring (a database from another appliance or an older backup?); nothing was deleted`,
      { details: { bucket, key, dataKeyId: header.dataKeyId } },
    );
    this.report(bucket, key, err);
    return err;
  }

  private async refusing<T>(bucket: Bucket, key: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.report(bucket, key, err);
      throw err;
    }
  }

  private report(bucket: Bucket, key: string, err: unknown): void {
    if (isApplianceError(err) && REFUSAL_CODES.has(err.code)) this.options.onRefused?.({ bucket, key, code: err.code, message: err.message });
  }
}

/**
 * Gathers the sealed pieces (64 KiB each) into buffers of `size` bytes: the inner store then
 * hashes and writes in large blocks (64 KiB writes measured half the throughput of 4 MiB ones).
 */
function coalescing(size: number): Transform {
  let block = Buffer.allocUnsafe(size);
  let used = 0;
  return new Transform({
    highWaterMark: size,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      let at = 0;
      while (at < chunk.length) {
        const n = chunk.copy(block, used, at);
        used += n;
        at += n;
        if (used === size) {
          this.push(block);
          block = Buffer.allocUnsafe(size);
          used = 0;
        }
      }
      done();
    },
    flush(done: TransformCallback) {
      if (used > 0) this.push(block.subarray(0, used));
      done();
    },
  });
}

/** The plaintext size of a sealed object of `cipherLength` bytes written with the default chunk size (listings read no headers). */
function plainSize(cipherLength: number): number {
  try {
    return plaintextLength(cipherLength, DEFAULT_CHUNK_SIZE);
  } catch {
    return cipherLength;
  }
}

/** Whether a store seals objects at rest. */
export function isEncrypted(store: ObjectStore): store is EncryptedStore {
  return store instanceof EncryptedStore;
}

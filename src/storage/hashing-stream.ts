import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Large reads: node's default 64 KiB chunks roughly halve hashing throughput. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** sha256 + byte count of everything fed to it, in one pass. */
export class StreamDigest {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private digestHex: string | undefined;

  update(chunk: Uint8Array): void {
    if (this.digestHex !== undefined) throw new Error('StreamDigest already finished');
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  /** Finishes the hash (once) and returns its hex form. */
  get sha256(): string {
    this.digestHex ??= this.hash.digest('hex');
    return this.digestHex;
  }
}

/**
 * A pass-through Transform that hashes every chunk on its way (pipe an upload through it): the bytes
 * are read once, and `sha256`/`size` are ready once the stream has ended.
 */
export class HashingStream extends Transform {
  readonly digest = new StreamDigest();

  constructor() {
    super({ highWaterMark: READ_CHUNK_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.digest.update(chunk);
    callback(null, chunk);
  }

  get sha256(): string {
    return this.digest.sha256;
  }

  get size(): number {
    return this.digest.size;
  }
}

/** Normalises a chunk from an AsyncIterable (Buffers, Uint8Arrays or strings) to a Buffer without copying. */
export function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError('stream chunks must be bytes');
}

import { asBuffer, type StreamDigest } from './hashing-stream.js';

/**
 * Cuts a byte stream into parts of exactly `partSize` bytes (the last one shorter), feeding every
 * chunk to `digest` as it passes: the one read of the source is also the hashing pass.
 */
export class PartReader {
  private readonly iterator: AsyncIterator<unknown>;
  private carry: Buffer | undefined;
  private ended = false;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly partSize: number,
    private readonly digest: StreamDigest,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next part, or undefined at the end. `last` is true when the source is known to be exhausted. */
  async next(): Promise<{ part: Buffer; last: boolean } | undefined> {
    const chunks: Buffer[] = [];
    let total = 0;
    if (this.carry !== undefined) {
      chunks.push(this.carry);
      total = this.carry.length;
      this.carry = undefined;
    }
    while (total < this.partSize && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done === true) {
        this.ended = true;
        break;
      }
      const chunk = asBuffer(value);
      if (chunk.length === 0) continue;
      this.digest.update(chunk);
      chunks.push(chunk);
      total += chunk.length;
    }
    if (total === 0) return undefined;
    // Buffers are collected, not pre-allocated: a small object costs its own size, not a whole part.
    const joined = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
    if (total > this.partSize) {
      this.carry = joined.subarray(this.partSize);
      return { part: joined.subarray(0, this.partSize), last: false };
    }
    return { part: joined, last: this.ended };
  }

  /** Stops reading the source (after a failure). */
  async cancel(): Promise<void> {
    this.ended = true;
    this.carry = undefined;
    await this.iterator.return?.().catch(() => undefined);
  }
}

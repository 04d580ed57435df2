import { open } from 'node:fs/promises';
import { decodeHeader, decryptRange, HEADER_BYTES, plaintextLength } from './object-envelope.js';
import type { RangeSource } from './range-server.js';

/**
 * An encrypted object on local disk as a range source: its plaintext size from its size and
 * header, any range decrypted chunk by chunk from the file (each chunk checked). `close()`
 * releases the file.
 */
export async function encryptedFileSource(path: string, dataKey: Buffer, dataKeyId: string): Promise<RangeSource & { close(): Promise<void> }> {
  const file = await open(path, 'r');
  try {
    const { size: cipherLength } = await file.stat();
    const readAt = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    };
    const header = decodeHeader(await readAt(0, HEADER_BYTES), path);
    const size = plaintextLength(cipherLength, header.chunkSize, path);
    return {
      size,
      read: (start, end) => decryptRange(dataKey, readAt, cipherLength, start, end, dataKeyId, path),
      close: () => file.close(),
    };
  } catch (err) {
    await file.close();
    throw err;
  }
}

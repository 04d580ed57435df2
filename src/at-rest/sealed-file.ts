import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ApplianceError } from '../errors/appliance-error.js';
import { newDataKey, unwrapDataKey, type KeyEncryptionKey, type WrappedKey } from './key-encryption-key.js';
import { decryptingStream, DEFAULT_CHUNK_SIZE, encodeHeader, encryptingStream } from './object-envelope.js';

/** The `<file>.key` beside a sealed file: its data key, wrapped by a KEK (never the key itself). */
export interface SealedFileKey extends WrappedKey {
  format: 'mpegflow-sealed-file-v1';
}

export const keyFileOf = (sealedPath: string): string => `${sealedPath}.key`;

/**
 * Seals a local file (a store backup) in the object format of docs/at-rest.md under a new data
 * key wrapped by `kek`: `sealedPath` and `sealedPath.key` (the wrapped key). Either both are
 * written or neither.
 */
export async function sealFile(plainPath: string, sealedPath: string, kek: KeyEncryptionKey): Promise<SealedFileKey> {
  const { dataKey, record } = await newDataKey(kek);
  const key: SealedFileKey = { format: 'mpegflow-sealed-file-v1', ...record };
  try {
    await pipeline(
      createReadStream(plainPath, { highWaterMark: 4 << 20 }),
      encryptingStream(dataKey, encodeHeader(DEFAULT_CHUNK_SIZE, record.dataKeyId)),
      createWriteStream(sealedPath, { flags: 'wx', mode: 0o640 }),
    );
    await writeFile(keyFileOf(sealedPath), `${JSON.stringify(key)}\n`, { flag: 'wx', mode: 0o640 });
    return key;
  } catch (err) {
    await rm(sealedPath, { force: true });
    await rm(keyFileOf(sealedPath), { force: true });
    throw err;
  }
}

/** Opens a sealed file into `outPath` (0600, never overwriting) with one of `keks`; a changed or cut file is an error and `outPath` is removed. */
export async function openSealedFile(sealedPath: string, outPath: string, keks: readonly KeyEncryptionKey[]): Promise<SealedFileKey> {
  let key: SealedFileKey;
  try {
    key = JSON.parse(await readFile(keyFileOf(sealedPath), 'utf8')) as SealedFileKey;
  } catch (err) {
    throw new ApplianceError('DATA_KEY_MISSING', `${keyFileOf(sealedPath)} (the sealed file's wrapped key) cannot be read: ${(err as Error).message}`);
  }
  if (key.format !== 'mpegflow-sealed-file-v1') throw new ApplianceError('DATA_KEY_MISSING', `${keyFileOf(sealedPath)} is not a sealed file's key`);
  const dataKey = await unwrapDataKey(key, keks);
  try {
    await pipeline(
      createReadStream(sealedPath, { highWaterMark: 4 << 20 }),
      decryptingStream(dataKey, key.dataKeyId, sealedPath),
      createWriteStream(outPath, { flags: 'wx', mode: 0o600 }),
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(outPath, { force: true });
    throw err;
  }
  return key;
}

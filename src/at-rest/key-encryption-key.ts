import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApplianceError } from '../errors/appliance-error.js';

/**
 * A key-encryption key (KEK): wraps and unwraps the per-object data keys. The facility holds
 * it; the appliance never writes it. `id` names it in every wrapped key, so a rotated-away KEK
 * that an old object still needs is named in the error.
 */
export interface KeyEncryptionKey {
  readonly id: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

/** A data key wrapped by a KEK: what is kept beside an object (never the data key itself). */
export interface WrappedKey {
  /** The KEK that wrapped it. */
  kekId: string;
  /** Random id of the data key; the object's header carries it too, so a key is never used on another object. */
  dataKeyId: string;
  /** base64 of nonce (12) ‖ AES-256-GCM(KEK, data key) (32) ‖ tag (16). */
  wrapped: string;
}

const WRAP_AAD = Buffer.from('mpegflow data key v1', 'utf8');

/** The id of a 32-byte key: `kek-` and the first 16 hex digits of its sha256 (names it, reveals nothing). */
export function kekIdOf(key: Buffer): string {
  return `kek-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** A KEK held as 32 bytes in memory (from a file outside the data dir, `fileKek`). */
export function memoryKek(key: Buffer): KeyEncryptionKey {
  if (key.length !== 32) throw new ApplianceError('KEK_INVALID', `a key-encryption key is 32 bytes (AES-256), not ${key.length}`);
  const id = kekIdOf(key);
  return {
    id,
    wrap: async (dataKey) => {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(WRAP_AAD);
      const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
    },
    unwrap: async (wrapped) => {
      if (wrapped.length !== 12 + 32 + 16) throw new ApplianceError('KEK_UNWRAP_FAILED', `a wrapped data key is 60 bytes, not ${wrapped.length}`);
      const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
      decipher.setAAD(WRAP_AAD);
      decipher.setAuthTag(wrapped.subarray(44));
      try {
        return Buffer.concat([decipher.update(wrapped.subarray(12, 44)), decipher.final()]);
      } catch {
        throw new ApplianceError('KEK_UNWRAP_FAILED', `the data key does not unwrap with ${id} (wrong key, or the wrapped key was changed)`);
      }
    },
  };
}

/**
 * A KEK read from a file: 64 hex digits, or 44 characters of base64, or 32 raw bytes
 * (`openssl rand -hex 32 > kek.hex`). Refused when the file is readable by others than its
 * owner: a KEK is a secret.
 */
export function fileKek(path: string, mode: number): KeyEncryptionKey {
  if ((mode & 0o077) !== 0) {
    throw new ApplianceError('KEK_INVALID', `key-encryption key ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  }
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new ApplianceError('KEK_UNAVAILABLE', `key-encryption key ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const text = raw.toString('utf8').trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/]{43}=$/.test(text)
      ? Buffer.from(text, 'base64')
      : raw.length === 32
        ? raw
        : null;
  if (!key) throw new ApplianceError('KEK_INVALID', `key-encryption key ${path}: expected 64 hex digits, base64 of 32 bytes, or 32 raw bytes`);
  return memoryKek(key);
}

/** A new random data key and its wrapped form. */
export async function newDataKey(kek: KeyEncryptionKey): Promise<{ dataKey: Buffer; record: WrappedKey }> {
  const dataKey = randomBytes(32);
  return { dataKey, record: { kekId: kek.id, dataKeyId: randomBytes(16).toString('hex'), wrapped: (await kek.wrap(dataKey)).toString('base64') } };
}

/** The data key of a record, with the KEK that wrapped it (one of `keks`: the current one and those not yet retired). */
export async function unwrapDataKey(record: WrappedKey, keks: readonly KeyEncryptionKey[]): Promise<Buffer> {
  const kek = keks.find((k) => k.id === record.kekId);
  if (!kek) {
    throw new ApplianceError(
      'KEK_UNAVAILABLE',
      `this object's data key is wrapped by ${record.kekId}, which is not configured (configured: ${keks.map((k) => k.id).join(', ') || 'none'}); nothing was deleted`,
    );
  }
  return kek.unwrap(Buffer.from(record.wrapped, 'base64'));
}

/** Key rotation: the same data key wrapped by `to` (the content is not touched). */
export async function rewrapDataKey(record: WrappedKey, from: readonly KeyEncryptionKey[], to: KeyEncryptionKey): Promise<WrappedKey> {
  const dataKey = await unwrapDataKey(record, from);
  return { kekId: to.id, dataKeyId: record.dataKeyId, wrapped: (await to.wrap(dataKey)).toString('base64') };
}

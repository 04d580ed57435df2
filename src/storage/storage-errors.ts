import { ApplianceError } from '../errors/appliance-error.js';

/** The stable error codes of the storage layer (documented in docs/storage.md). */
export const STORAGE_CODES = {
  INVALID_KEY: 'STORAGE_INVALID_KEY',
  INVALID_RANGE: 'STORAGE_INVALID_RANGE',
  NOT_FOUND: 'STORAGE_NOT_FOUND',
  NO_BUCKET: 'STORAGE_NO_BUCKET',
  UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  AUTH: 'STORAGE_AUTH',
  NO_SPACE: 'STORAGE_NO_SPACE',
  HASH_MISMATCH: 'STORAGE_HASH_MISMATCH',
  CONFLICT: 'STORAGE_CONFLICT',
  IO: 'STORAGE_IO',
} as const;

type Details = Record<string, unknown>;

export const invalidKey = (message: string, details?: Details): ApplianceError =>
  new ApplianceError(STORAGE_CODES.INVALID_KEY, message, { ...(details ? { details } : {}) });

export const invalidRange = (message: string, details?: Details): ApplianceError =>
  new ApplianceError(STORAGE_CODES.INVALID_RANGE, message, { ...(details ? { details } : {}) });

export const notFound = (bucket: string, key: string, cause?: unknown): ApplianceError =>
  new ApplianceError(STORAGE_CODES.NOT_FOUND, `object ${bucket}/${key} not found`, { details: { bucket, key }, cause });

export const noBucket = (bucket: string, where: string, cause?: unknown): ApplianceError =>
  new ApplianceError(STORAGE_CODES.NO_BUCKET, `bucket ${bucket} does not exist (${where}); the store's open() creates it`, {
    details: { bucket },
    cause,
  });

export const unavailable = (message: string, cause?: unknown, details?: Details): ApplianceError =>
  new ApplianceError(STORAGE_CODES.UNAVAILABLE, message, { ...(details ? { details } : {}), cause });

export const authFailed = (message: string, cause?: unknown): ApplianceError => new ApplianceError(STORAGE_CODES.AUTH, message, { cause });

export const noSpace = (bucket: string, key: string, cause?: unknown): ApplianceError =>
  new ApplianceError(STORAGE_CODES.NO_SPACE, `no space left while writing ${bucket}/${key}; nothing was stored`, {
    details: { bucket, key },
    cause,
  });

export const hashMismatch = (bucket: string, key: string, expected: string, actual: string): ApplianceError =>
  new ApplianceError(STORAGE_CODES.HASH_MISMATCH, `sha256 of ${bucket}/${key} is ${actual}, expected ${expected}`, {
    details: { bucket, key, expected, actual },
  });

export const conflict = (message: string, details?: Details): ApplianceError =>
  new ApplianceError(STORAGE_CODES.CONFLICT, message, { ...(details ? { details } : {}) });

export const ioError = (message: string, cause?: unknown): ApplianceError => new ApplianceError(STORAGE_CODES.IO, message, { cause });

import { isApplianceError } from '../errors/appliance-error.js';
import { errnoCode } from './durable-fs.js';
import type { ObjectRef } from './object-store.js';
import { ioError, noSpace } from './storage-errors.js';

/** A filesystem error of the embedded store as the store's error: a full disk is STORAGE_NO_SPACE, others STORAGE_IO. */
export function embeddedFsError(err: unknown, what: string, ref?: ObjectRef): Error {
  if (isApplianceError(err)) return err;
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return noSpace(ref?.bucket ?? '?', ref?.key ?? '?', err);
  if (code === undefined && err instanceof Error && !(err instanceof TypeError)) return err;
  return ioError(`${what}: ${(err as Error).message}`, err);
}

import { randomBytes } from 'node:crypto';

/** Sortable ids: time in base36, then randomness. Safe as a storage key segment. */
export function newId(prefix: 'job' | 'task'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

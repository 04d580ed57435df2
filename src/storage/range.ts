import { invalidRange } from './storage-errors.js';

/** Byte-range arguments: offset ≥ 0, length ≥ 1 when given (integers). */
export function checkRangeArgs(offset: number, length: number | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidRange(`range offset must be a non-negative integer, got ${offset}`);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 1)) throw invalidRange(`range length must be a positive integer, got ${length}`);
}

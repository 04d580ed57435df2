import { BUCKETS, type Bucket } from './object-store.js';
import { invalidKey } from './storage-errors.js';

/** S3's limit for a key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** Per segment, so that an embedded object (plus its sidecar name) fits a 255-byte file name. */
export const MAX_SEGMENT_BYTES = 200;
/** Names starting with this are the embedded store's own files (sidecars); keys may not use it. */
export const RESERVED_SEGMENT_PREFIX = '.mpegflow';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

export function isBucket(value: unknown): value is Bucket {
  return typeof value === 'string' && (BUCKETS as readonly string[]).includes(value);
}

export function assertBucket(value: unknown): asserts value is Bucket {
  if (!isBucket(value)) throw invalidKey(`unknown bucket ${JSON.stringify(value)} (one of ${BUCKETS.join(', ')})`, { bucket: String(value) });
}

/** Why `key` is not an acceptable object key, or undefined if it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'key must be a string';
  if (key.length === 0) return 'key is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `key is longer than ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(key)) return 'key contains a control character';
  if (LONE_SURROGATE.test(key)) return 'key is not valid UTF-8';
  if (key.includes('\\')) return 'key contains a backslash';
  if (key.startsWith('/')) return 'key is an absolute path';
  if (/^[A-Za-z]:/.test(key)) return 'key looks like a drive path';
  for (const segment of key.split('/')) {
    if (segment === '') return 'key has an empty segment';
    if (segment === '.' || segment === '..') return `key has a "${segment}" segment`;
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX)) return `key segments may not start with ${RESERVED_SEGMENT_PREFIX}`;
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) return `key segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

/** Throws STORAGE_INVALID_KEY (400) unless `key` is a safe relative object key. */
export function assertKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw invalidKey(`invalid object key ${JSON.stringify(String(key)).slice(0, 120)}: ${problem}`, { problem });
}

/**
 * A list prefix: '' or the start of a key. Every complete segment (before the last '/') follows the
 * key rules; the trailing partial segment only has to be free of control characters and backslashes
 * (it is a filter, never a path).
 */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw invalidKey('prefix must be a string');
  if (prefix === '') return;
  const slash = prefix.lastIndexOf('/');
  const dirPart = slash < 0 ? '' : prefix.slice(0, slash);
  const rest = prefix.slice(slash + 1);
  const problem = slash === 0 ? 'prefix is an absolute path' : dirPart !== '' ? keyProblem(dirPart) : undefined;
  const restProblem = CONTROL.test(rest) || rest.includes('\\') || Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES ? 'bad characters or too long' : undefined;
  const why = problem ?? restProblem;
  if (why !== undefined) throw invalidKey(`invalid prefix ${JSON.stringify(prefix).slice(0, 120)}: ${why}`, { problem: why });
}

/** One job id as a single key segment (for `<jobId>/…` prefixes). */
export function assertSegment(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.includes('/') || keyProblem(value) !== undefined) {
    throw invalidKey(`invalid ${what} ${JSON.stringify(String(value)).slice(0, 120)}: must be one key segment`);
  }
}

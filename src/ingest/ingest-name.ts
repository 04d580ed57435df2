import { MAX_SEGMENT_BYTES, RESERVED_SEGMENT_PREFIX } from '../storage/keys.js';

/** Partial-copy names the folder never looks at: dotfiles (rsync, editors, our own `.processing/`), `*.part`, `*.tmp`. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || /\.(part|tmp)$/i.test(name);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

/** Longest name taken: the input key is `<ingest id>-<name>` and must fit one key segment. */
export const MAX_INGEST_NAME_BYTES = MAX_SEGMENT_BYTES - 40;

/**
 * Why a file name found in a watch folder is refused, or undefined: control characters
 * (newlines included), `..`, `/` or `\`, invalid UTF-8, the store's reserved prefix, or too long.
 */
export function ingestNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (CONTROL.test(name)) return 'contains a control character (newline, tab, …)';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (LONE_SURROGATE.test(name) || name.includes('\ufffd')) return 'is not valid UTF-8';
  if (name.startsWith(RESERVED_SEGMENT_PREFIX)) return `starts with ${RESERVED_SEGMENT_PREFIX}`;
  if (Buffer.byteLength(name, 'utf8') > MAX_INGEST_NAME_BYTES) return `is longer than ${MAX_INGEST_NAME_BYTES} bytes`;
  return undefined;
}

/** A name for logs and error files: JSON-escaped, at most 200 characters. */
export function shownName(name: string): string {
  return JSON.stringify(name).slice(0, 200);
}

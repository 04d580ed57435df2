import { mediaArgumentError } from './media-errors.js';

/**
 * Checks for the values that argv builders place on a command line. Paths come from the
 * appliance's own storage layer (never a user's string as-is), but each builder still
 * refuses anything that could be read as an option, a protocol URL or a muxer pattern.
 */

/** An absolute local path with no control characters (so it can never be read as an option or a URL). */
export function checkPath(path: string, what: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw mediaArgumentError(`${what} must be an absolute path`, { what });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw mediaArgumentError(`${what} contains a control character`, { what });
  return path;
}

/**
 * The one URL an encoder input may be: the appliance's own loopback range server of an
 * encrypted object (`http://127.0.0.1:PORT/<32 hex>`, src/at-rest/range-server.ts). The
 * verified spawn (src/images/encoder-argv.ts) opens http,tcp for exactly this shape.
 */
export const LOOPBACK_INPUT_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/[0-9a-f]{32}$/;

/** An encoder input: an absolute local path, or the loopback range-server URL of an encrypted object. */
export function checkInput(input: string, what: string): string {
  if (typeof input === 'string' && LOOPBACK_INPUT_URL.test(input)) return input;
  return checkPath(input, what);
}

/** A path a muxer expands as a template (hls `%v`, dash `$Number$`): no `%` or `$` of its own. */
export function checkTemplateSafePath(path: string, what: string): string {
  checkPath(path, what);
  if (/[%$]/.test(path)) throw mediaArgumentError(`${what} must not contain '%' or '$' (the muxer would expand them)`, { what });
  return path;
}

/** Output paths must differ from every input and from each other: `-y` may then never overwrite an input. */
export function checkDistinctPaths(inputs: readonly string[], outputs: readonly string[]): void {
  const seen = new Set(inputs.map(normalise));
  for (const out of outputs) {
    const key = normalise(out);
    if (seen.has(key)) throw mediaArgumentError(`output ${out} would overwrite an input or another output`, { path: out });
    seen.add(key);
  }
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

export function checkInt(value: number, min: number, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw mediaArgumentError(`${what} must be an integer in ${min}..${max} (got ${value})`, { what });
  return value;
}

/** Kilobits per second as ffmpeg reads them: "3000k". */
export function kbps(value: number, what: string): string {
  return `${checkInt(value, 1, 1_000_000, what)}k`;
}

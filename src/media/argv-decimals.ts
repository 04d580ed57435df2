import { mediaArgumentError } from './media-errors.js';

/**
 * A decimal number placed on a command line (a CRF, a loudness figure): finite, inside
 * `min..max`, rounded to at most `places` decimals, written without exponent or trailing
 * zeros ("-23", "-1.5", "0.25"). The companion of `checkInt` (argv-values.ts) for values
 * that are not integers; the text is always made here from a number, never passed through.
 */
export function decimal(value: number, min: number, max: number, places: number, what: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw mediaArgumentError(`${what} must be a number in ${min}..${max} (got ${String(value)})`, { what });
  if (!Number.isInteger(places) || places < 0 || places > 6) throw mediaArgumentError(`${what}: ${places} decimal places`, { what });
  let text = value.toFixed(places);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

import { isApplianceError, type ApplianceError } from '../../../src/errors/appliance-error.js';

/** The ApplianceError `fn` throws; anything else thrown is rethrown, and no throw at all fails. */
export function refused(fn: () => unknown): ApplianceError {
  try {
    fn();
  } catch (err) {
    if (isApplianceError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** The UTF-8 bytes of `s`, as a caption file on disk holds them. */
export const bytes = (s: string) => new TextEncoder().encode(s);

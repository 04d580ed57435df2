import * as assert from 'uvu/assert';
import { isApplianceError } from '../../src/errors/appliance-error.js';

/** `fn` must refuse its arguments: an ApplianceError MEDIA_ARGUMENT_INVALID (an argv builder's refusal). */
export function expectArgumentError(fn: () => unknown): void {
  try {
    fn();
    assert.unreachable(String(fn));
  } catch (err) {
    assert.ok(isApplianceError(err), String(err));
    assert.is(err.code, 'MEDIA_ARGUMENT_INVALID', String(err));
  }
}

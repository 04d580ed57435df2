import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoginThrottle } from '../../src/auth/login-throttle.js';

test('an address waits until its oldest failure in the window leaves it; other addresses are not affected', () => {
  const t = new LoginThrottle({ limit: 3, windowMs: 1000 });
  assert.is(t.recordFailure('10.0.0.1', 0), false);
  assert.is(t.recordFailure('10.0.0.1', 100), false);
  assert.is(t.waitMs('10.0.0.1', 200), 0);
  assert.is(t.recordFailure('10.0.0.1', 200), true, 'the third failure reaches the limit');
  assert.is(t.waitMs('10.0.0.1', 300), 700, 'until the first failure (t=0) is 1000 ms old');
  assert.is(t.waitMs('10.0.0.2', 300), 0);
  assert.is(t.waitMs('10.0.0.1', 1000), 0, 'one failure left the window');
  assert.is(t.recordFailure('10.0.0.1', 1000), true, 'the limit is reached again by the next');
  assert.is(t.waitMs('10.0.0.1', 1000), 100);
});

test('memory stays bounded: the addresses failed longest ago are forgotten first', () => {
  const t = new LoginThrottle({ limit: 1, windowMs: 60_000 });
  for (let i = 0; i < 10_050; i++) t.recordFailure(`a${i}`, 1);
  assert.is(t.waitMs('a0', 2), 0, 'forgotten');
  assert.ok(t.waitMs('a10049', 2) > 0, 'kept');
});

test.run();

// retrySelection: which tasks a retry of a failed job runs again, and where the job re-enters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRetryable, retryDelayMs, retrySelection } from '../../src/runtime/retry-policy.js';
import { taskRow } from './task-fixtures.js';

test('a dead probe: the job re-enters at queued', () => {
  const probe = taskRow({ kind: 'probe', state: 'dead', errorCode: 'EXIT_NONZERO' });
  assert.equal(retrySelection([probe]), { again: [probe], entry: 'queued' });
});

test('a media refusal is never retried', () => {
  const probe = taskRow({ kind: 'probe', state: 'failed', errorCode: 'MEDIA_REJECTED' });
  assert.equal(retrySelection([probe]).again, []);
});

test('dead renditions are retried, not the whole-ladder task they took over from', () => {
  const ladder = taskRow({ kind: 'encode', state: 'failed', errorCode: 'EXIT_NONZERO' });
  const top = taskRow({ kind: 'encode', rendition: '720p', state: 'dead', errorCode: 'OOM_KILLED' });
  const ok = taskRow({ kind: 'encode', rendition: '480p', state: 'succeeded' });
  assert.equal(retrySelection([ladder, top, ok]), { again: [top], entry: 'encoding' });
});

test('a failed whole-ladder task with no per-rendition tasks is retried itself', () => {
  const ladder = taskRow({ kind: 'encode', state: 'failed', errorCode: 'EXIT_NONZERO' });
  assert.equal(retrySelection([ladder]), { again: [ladder], entry: 'encoding' });
});

test('only a dead package task: the job re-enters at packaging', () => {
  const pkg = taskRow({ kind: 'package', state: 'dead', errorCode: 'TIMED_OUT' });
  const enc = taskRow({ kind: 'encode', state: 'succeeded' });
  assert.equal(retrySelection([enc, pkg]), { again: [pkg], entry: 'packaging' });
});

test('back-off doubles per attempt and is capped; input and trust failures are not retryable', () => {
  assert.equal(
    [1, 2, 3, 4].map((a) => retryDelayMs(2000, a)),
    [2000, 4000, 8000, 16000],
  );
  assert.is(retryDelayMs(2000, 30), 5 * 60 * 1000);
  assert.is(isRetryable('EXIT_NONZERO'), true);
  assert.is(isRetryable('MEDIA_REJECTED'), false);
  assert.is(isRetryable('CANCELLED'), false);
  assert.is(isRetryable('ENCODER_UNVERIFIED'), false);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertKey, assertPrefix, assertSegment, keyProblem } from '../../src/storage/keys.js';

test('good keys', () => {
  for (const k of [
    'a',
    'job-1/enc/720p.mp4',
    'Ünïcode/ファイル.mov',
    'a..b/..c',
    'dots.../x',
    'x'.repeat(200),
    `${'a/'.repeat(300)}z`,
    'with space/and+plus',
  ]) {
    assert.is(keyProblem(k), undefined, k);
  }
});

test('bad keys, with the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['../x', /"\.\."/],
    ['a/../b', /"\.\."/],
    ['a/./b', /"\."/],
    ['/abs', /absolute/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    ['a\u0000b', /control/],
    ['a\u001bb', /control/],
    ['a\u007fb', /control/],
    ['a\\b', /backslash/],
    ['C:/x', /drive/],
    ['x'.repeat(201), /segment longer/],
    [`${'ab/'.repeat(400)}z`, /longer than 1024/],
    ['a/.mpegflow.x.json', /may not start/],
    ['bad\ud800', /UTF-8/],
  ];
  for (const [k, why] of cases) assert.match(keyProblem(k) ?? 'ok', why, JSON.stringify(k));
  assert.throws(
    () => assertKey('../x'),
    (err: { code?: string; status?: number }) => err.code === 'STORAGE_INVALID_KEY' && err.status === 400,
  );
  assert.throws(() => assertKey(42), /must be a string/);
});

test('prefixes', () => {
  for (const p of ['', 'a', 'a/', 'a/b', 'job1/enc', 'a/..x']) assertPrefix(p);
  for (const p of ['../', 'a/../', '/a', 'a//b', 'x\u0000']) assert.throws(() => assertPrefix(p), /invalid prefix/, p);
});

test('segments (job ids)', () => {
  assertSegment('job-123', 'job id');
  for (const s of ['', 'a/b', '..', '.', 'a\nb']) assert.throws(() => assertSegment(s, 'job id'), /job id/, s);
});

test.run();

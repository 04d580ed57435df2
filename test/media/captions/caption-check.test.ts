import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCaptions } from '../../../src/media/captions/caption-check.js';
import type { ParsedCue } from '../../../src/media/captions/cue.js';
import { refused } from './caption-fixtures.js';

const cue = (start: number, end: number, text = 'x', line = 1): ParsedCue => ({ start, end, text, line });
const codes = (fixes: Array<{ code: string; cue?: number }>) => fixes.map((f) => [f.code, f.cue ?? null]);

test('good cues pass untouched, times rounded to the millisecond', () => {
  const { cues, fixes } = checkCaptions([cue(1.00049, 2.0005), { ...cue(3, 4, 'y'), settings: { align: 'start' } }]);
  assert.equal(cues, [
    { start: 1, end: 2.001, text: 'x' },
    { start: 3, end: 4, text: 'y', settings: { align: 'start' } },
  ]);
  assert.equal(fixes, []);
});

test('end at or before start, or no text: dropped, one fix each naming cue and line', () => {
  const { cues, fixes } = checkCaptions([
    cue(1, 2),
    cue(3, 3, 'same', 7),
    cue(5, 4, 'backwards', 9),
    cue(6, 7, '', 11),
    cue(5.0001, 5.0004, 'rounds to nothing', 13),
  ]);
  assert.equal(
    cues.map((c) => c.text),
    ['x'],
  );
  assert.equal(codes(fixes), [
    ['CAPTION_CUE_DROPPED', 2],
    ['CAPTION_CUE_DROPPED', 3],
    ['CAPTION_CUE_DROPPED', 4],
    ['CAPTION_CUE_DROPPED', 5],
  ]);
  assert.match(fixes[1]!.message, /^cue 3 \(line 9\): ends at 00:00:04.000, not after its start 00:00:05.000; dropped$/);
  assert.equal(
    fixes.map((f) => [f.level, f.line]),
    [
      ['fix', 7],
      ['fix', 9],
      ['fix', 11],
      ['fix', 13],
    ],
  );
});

test('out of order: sorted by start, once, equal starts keeping their order; overlaps stay', () => {
  const { cues, fixes } = checkCaptions([cue(5, 6, 'c'), cue(1, 10, 'a'), cue(2, 3, 'b1'), cue(2, 2.5, 'b2')]);
  assert.equal(
    cues.map((c) => c.text),
    ['a', 'b1', 'b2', 'c'],
  );
  assert.equal(codes(fixes), [['CAPTION_CUES_SORTED', null]]);
  assert.equal(checkCaptions([cue(1, 10), cue(2, 3)]).fixes, [], 'overlapping, in order: nothing to fix');
});

test('the master duration: cues after it dropped, cues past it clipped, open-ended cues end there', () => {
  const { cues, fixes } = checkCaptions(
    [cue(1, 2, 'in'), cue(9, 12, 'past', 5), cue(10, 11, 'at', 9), cue(11, 12, 'after', 13), cue(3, Infinity, 'open', 17)],
    {
      durationSeconds: 10,
    },
  );
  assert.equal(
    cues.map((c) => [c.start, c.end, c.text]),
    [
      [1, 2, 'in'],
      [9, 10, 'past'],
      [3, 10, 'open'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)),
  );
  assert.equal(codes(fixes), [
    ['CAPTION_CUE_CLIPPED', 2],
    ['CAPTION_CUE_DROPPED', 3],
    ['CAPTION_CUE_DROPPED', 4],
    ['CAPTION_CUE_CLIPPED', 5],
    ['CAPTION_CUES_SORTED', null],
  ]);
  assert.match(fixes[0]!.message, /clipped to 00:00:10.000/);
  assert.match(fixes[2]!.message, /starts at 00:00:11.000, at or after the master's end 00:00:10.000/);
});

test('an open-ended cue with no duration to end it is CAPTION_TIMING naming its line', () => {
  const err = refused(() => checkCaptions([cue(1, 2), cue(3, Infinity, 'open', 42)]));
  assert.is(err.code, 'CAPTION_TIMING');
  assert.match(err.message, /^line 42: /);
});

test('overlong lines and too many lines: warnings, the cue kept as is; limits are options', () => {
  const long = 'x'.repeat(43);
  const { cues, fixes } = checkCaptions([cue(1, 2, 'x'.repeat(42)), cue(3, 4, long), cue(5, 6, 'a\nb\nc\nd'), cue(7, 8, '<i>' + 'é'.repeat(42) + '</i>')]);
  assert.is(cues.length, 4);
  assert.is(cues[1]!.text, long);
  assert.equal(
    fixes.map((f) => [f.code, f.level, f.cue]),
    [
      ['CAPTION_LINE_TOO_LONG', 'warning', 2],
      ['CAPTION_TOO_MANY_LINES', 'warning', 3],
    ],
    'markup is not counted; é is one character',
  );
  assert.equal(checkCaptions([cue(3, 4, long), cue(5, 6, 'a\nb\nc\nd')], { maxCharsPerLine: 50, maxLinesPerCue: 4 }).fixes, []);
  assert.is(checkCaptions([cue(1, 2, 'abc')], { maxCharsPerLine: 2 }).fixes[0]!.code, 'CAPTION_LINE_TOO_LONG');
  assert.is(checkCaptions([cue(1, 2, '👩‍👩‍👧 x')], { maxCharsPerLine: 3 }).fixes.length, 0, 'a grapheme cluster is one character');
});

test('refusals: no cues, every cue dropped, over the cue limit', () => {
  assert.is(refused(() => checkCaptions([])).code, 'CAPTION_EMPTY');
  const dropped = refused(() => checkCaptions([cue(2, 1), cue(3, 4, '')]));
  assert.is(dropped.code, 'CAPTION_EMPTY');
  assert.match(dropped.message, /no usable cues \(2 dropped\)/);
  const many = Array.from({ length: 20_001 }, (_, i) => cue(i, i + 0.5));
  assert.is(refused(() => checkCaptions(many)).code, 'CAPTION_TOO_LARGE');
  assert.is(checkCaptions(many.slice(0, 20_000)).cues.length, 20_000);
  assert.is(refused(() => checkCaptions(many.slice(0, 11), { maxCues: 10 })).code, 'CAPTION_TOO_LARGE');
});

test('bad options are a bug upstream: MEDIA_ARGUMENT_INVALID', () => {
  for (const options of [{ durationSeconds: 0 }, { durationSeconds: NaN }, { maxLinesPerCue: 0 }, { maxCharsPerLine: 1.5 }, { maxCues: -1 }]) {
    assert.is(refused(() => checkCaptions([cue(1, 2)], options)).code, 'MEDIA_ARGUMENT_INVALID');
  }
});

test.run();

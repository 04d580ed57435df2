import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSrt } from '../../../src/media/captions/parse-srt.js';
import { refused } from './caption-fixtures.js';

test('a plain SubRip file', () => {
  const { cues, fixes } = parseSrt('1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n\n2\n00:00:03,040 --> 00:00:05,000\nSecond\n');
  assert.equal(cues, [
    { start: 1, end: 2.5, text: 'Hello\nworld', line: 2 },
    { start: 3.04, end: 5, text: 'Second', line: 7 },
  ]);
  assert.equal(fixes, []);
});

test('tolerated: CRLF, "." for ",", no sequence numbers, extra blank lines, coordinates, blank lines inside a cue', () => {
  const text = [
    '',
    '',
    '00:00:01.000 --> 00:00:02.000 X1:100 X2:200 Y1:10 Y2:20',
    'no number, dots',
    '',
    '',
    '',
    '7',
    '00:00:03,000-->00:00:04,000',
    'first',
    '',
    'after a blank line',
    '',
    '00:00:05,5 --> 00:00:06,25',
    'short fractions',
  ].join('\r\n');
  assert.equal(
    parseSrt(text).cues.map((c) => [c.start, c.end, c.text]),
    [
      [1, 2, 'no number, dots'],
      [3, 4, 'first\nafter a blank line'],
      [5.5, 6.25, 'short fractions'],
    ],
  );
});

test('<font> and other tags, ASS overrides stripped (said once); <b> <i> <u> kept and balanced; entities stay literal', () => {
  const { cues, fixes } = parseSrt(
    '1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="#ffff00">Yellow</font> <I>italic\n<b>both</i> bold</b> a < b &amp; c <u>\n',
  );
  assert.is(cues[0]!.text, 'Yellow <i>italic</i>\n<b><i>both</i> bold</b> a < b &amp; c');
  assert.equal(
    fixes.map((f) => f.message),
    ['markup stripped (only <b>, <i>, <u> are kept): <font> ×1, ASS override ×1'],
  );
});

test('text before the first cue is dropped and said so; a number line before a timing line is its sequence number', () => {
  const { cues, fixes } = parseSrt('Some header\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n');
  assert.equal(
    cues.map((c) => c.text),
    ['A', 'B'],
  );
  assert.equal(
    fixes.map((f) => [f.code, f.line]),
    [['CAPTION_CUE_DROPPED', 1]],
  );
});

test('an unparsable timestamp is CAPTION_TIMING naming its line', () => {
  const err = refused(() => parseSrt('1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:0x:04,000\nB\n'));
  assert.is(err.code, 'CAPTION_TIMING');
  assert.match(err.message, /^line 6: /);
  assert.equal(err.details, { line: 6, format: 'srt' });
  assert.is(refused(() => parseSrt('1\n00:00:01,000 -->\nA\n')).code, 'CAPTION_TIMING', 'no end time');
});

test('no timing line at all: no cues', () => {
  assert.equal(parseSrt('\n\n').cues, []);
});

test.run();

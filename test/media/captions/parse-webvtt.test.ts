import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWebVtt } from '../../../src/media/captions/parse-webvtt.js';
import { refused } from './caption-fixtures.js';

const FULL = [
  'WEBVTT - a title',
  'Kind: captions',
  'X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000',
  '',
  'STYLE',
  '::cue { color: yellow }',
  '',
  'REGION',
  'id:fred width:40%',
  '',
  'NOTE this is',
  'a comment',
  '',
  'intro',
  '00:00:01.000 --> 00:00:04.000 line:90% position:10%,line-left align:start',
  'Hello <i>there</i>',
  '<b>second</b> line',
  '',
  '00:05.250 --> 00:06.500',
  'short form',
  '',
  '01:00:00.000 --> 01:00:02.000 line:-2',
  'an hour in',
  '',
].join('\n');

test('a full WebVTT file: header lines, STYLE, REGION and NOTE skipped, identifiers, both timestamp forms, settings', () => {
  const { cues, fixes } = parseWebVtt(FULL);
  assert.equal(cues, [
    { start: 1, end: 4, text: 'Hello <i>there</i>\n<b>second</b> line', line: 15, settings: { line: '90%', position: '10%,line-left', align: 'start' } },
    { start: 5.25, end: 6.5, text: 'short form', line: 19 },
    { start: 3600, end: 3602, text: 'an hour in', line: 22, settings: { line: '-2' } },
  ]);
  assert.equal(fixes, []);
});

test('CRLF and CR line ends read the same', () => {
  assert.equal(parseWebVtt(FULL.replace(/\n/g, '\r\n')).cues, parseWebVtt(FULL).cues);
  assert.equal(parseWebVtt(FULL.replace(/\n/g, '\r')).cues, parseWebVtt(FULL).cues);
});

test('tags other than b, i, u are stripped (and said so); entities decoded; ruby text dropped', () => {
  const { cues, fixes } = parseWebVtt(
    'WEBVTT\n\n00:01.000 --> 00:02.000\n<v Roger>Hi &amp; <c.yellow>bye</c> &lt;3&gt; &nbsp;x &#233;&#x4E2D; &bogus;\n<ruby>漢<rt>kan</rt></ruby> <00:01.500>later <i.loud>it</i>\n',
  );
  assert.is(cues[0]!.text, 'Hi & bye <3> \u00a0x é中 &bogus;\n漢 later <i>it</i>');
  assert.equal(
    fixes.map((f) => [f.code, f.message]),
    [['CAPTION_MARKUP_STRIPPED', 'markup stripped (only <b>, <i>, <u> are kept): <c> ×1, <rt> ×1, <ruby> ×1, <timestamp> ×1, <v> ×1']],
  );
});

test('ffmpeg writes < and & unescaped: a < that does not start a tag is text', () => {
  const { cues, fixes } = parseWebVtt('WEBVTT\n\n00:01.000 --> 00:02.500\nHello <i>there</i> a < b & c\n5 <3, x<y\n');
  assert.is(cues[0]!.text, 'Hello <i>there</i> a < b & c\n5 <3, x<y');
  assert.equal(fixes, []);
});

test('settings: other settings dropped once per file, invalid values dropped per cue', () => {
  const { cues, fixes } = parseWebVtt(
    'WEBVTT\n\n00:01.000 --> 00:02.000 size:50% vertical:rl align:middle line:120% position:50%\na\n\n00:03.000 --> 00:04.000 size:10% region:fred\nb\n',
  );
  assert.equal(cues[0]!.settings, { position: '50%' });
  assert.is(cues[1]!.settings, undefined);
  assert.equal(
    fixes.map((f) => [f.code, f.cue ?? null, f.line ?? null]),
    [
      ['CAPTION_SETTING_DROPPED', 1, 3],
      ['CAPTION_SETTING_DROPPED', 1, 3],
      ['CAPTION_SETTING_DROPPED', null, null],
    ],
  );
  assert.match(fixes[2]!.message, /region ×1, size ×2, vertical ×1/);
});

test('a line with --> ends a cue without a blank line; a block without timing is dropped and said so', () => {
  const { cues, fixes } = parseWebVtt(
    'WEBVTT\n\n00:01.000 --> 00:02.000\none\n00:03.000 --> 00:04.000\ntwo\n\njust some text\nmore text\n\n00:05.000 --> 00:06.000\nthree\n',
  );
  assert.equal(
    cues.map((c) => c.text),
    ['one', 'two', 'three'],
  );
  assert.equal(
    fixes.map((f) => [f.code, f.line]),
    [['CAPTION_CUE_DROPPED', 8]],
  );
  assert.match(fixes[0]!.message, /lines 8-9: a block without a timing line/);
});

test('a cue with no text is kept for the check to drop; blank-looking lines end a cue', () => {
  const { cues } = parseWebVtt('WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:04.000\n  x  \n');
  assert.equal(
    cues.map((c) => c.text),
    ['', 'x'],
  );
});

test('no WEBVTT header is CAPTION_INVALID; a bad timestamp is CAPTION_TIMING naming the line', () => {
  const header = refused(() => parseWebVtt('WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n'));
  assert.is(header.code, 'CAPTION_INVALID');
  assert.match(header.message, /^line 1: /);
  const timing = refused(() => parseWebVtt('WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 --> 00:61.000\nbad\n'));
  assert.is(timing.code, 'CAPTION_TIMING');
  assert.match(timing.message, /^line 6: "00:03.000 --> 00:61.000" is not a timing line/);
  assert.equal(timing.details, { line: 6, format: 'webvtt' });
  assert.is(refused(() => parseWebVtt('WEBVTT\n\nid\n1.0 --> 2.0\nx\n')).code, 'CAPTION_TIMING');
});

test('a WEBVTT file with no cues parses to none (the check refuses it)', () => {
  assert.equal(parseWebVtt('WEBVTT\n\nNOTE nothing here\n').cues, []);
  assert.equal(parseWebVtt('WEBVTT').cues, []);
});

test.run();

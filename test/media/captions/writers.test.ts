import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cue } from '../../../src/media/captions/cue.js';
import { parseTtml } from '../../../src/media/captions/parse-ttml.js';
import { readCaption } from '../../../src/media/captions/read-caption.js';
import { IMSC1_TEXT_PROFILE, writeImsc1 } from '../../../src/media/captions/write-imsc.js';
import { writeWebVtt } from '../../../src/media/captions/write-webvtt.js';
import { refused, bytes } from './caption-fixtures.js';

const CUES: Cue[] = [
  { start: 1, end: 2.5, text: 'Hello <i>there</i>\n<b>bold <u>and under</u></b>' },
  { start: 3.04, end: 5, text: 'A & B < C > D --> E', settings: { line: '90%', position: '10%,line-left', align: 'start' } },
  { start: 3.5, end: 4, text: 'overlapping' },
  { start: 3723.456, end: 3725, text: '¿Qué tal? 漢字 🎬' },
];

test('WebVTT: header, HH:MM:SS.mmm timings, settings, escaped text with the kept tags', () => {
  assert.is(
    writeWebVtt(CUES),
    [
      'WEBVTT',
      '',
      '00:00:01.000 --> 00:00:02.500',
      'Hello <i>there</i>',
      '<b>bold <u>and under</u></b>',
      '',
      '00:00:03.040 --> 00:00:05.000 line:90% position:10%,line-left align:start',
      'A &amp; B &lt; C &gt; D --&gt; E',
      '',
      '00:00:03.500 --> 00:00:04.000',
      'overlapping',
      '',
      '01:02:03.456 --> 01:02:05.000',
      '¿Qué tal? 漢字 🎬',
      '',
    ].join('\n'),
  );
});

test('IMSC1: the text profile, xml:lang, one <p> per cue, <br/>, escaped text, styles as spans', () => {
  const xml = writeImsc1(CUES, { language: 'pt-BR' });
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" '));
  assert.ok(xml.includes(`ttp:profile="${IMSC1_TEXT_PROFILE}"`));
  assert.ok(xml.includes('xml:lang="pt-BR"'));
  assert.ok(
    xml.includes(
      '<p begin="00:00:01.000" end="00:00:02.500"><span style="s0">Hello <span tts:fontStyle="italic">there</span><br/><span tts:fontWeight="bold">bold </span><span tts:fontWeight="bold" tts:textDecoration="underline">and under</span></span></p>',
    ),
    xml,
  );
  assert.ok(xml.includes('<p begin="00:00:03.040" end="00:00:05.000"><span style="s0">A &amp; B &lt; C &gt; D --&gt; E</span></p>'));
  assert.ok(xml.includes('<p begin="01:02:03.456" end="01:02:05.000">'));
  assert.is(xml.match(/<p /g)!.length, 4);
  assert.ok(xml.endsWith('</tt>\n'));
  assert.is(parseTtml(xml).language, 'pt-BR');
});

test('deterministic: the same cues give the same bytes', () => {
  assert.is(writeWebVtt(CUES), writeWebVtt(structuredClone(CUES)));
  assert.is(writeImsc1(CUES, { language: 'en' }), writeImsc1(structuredClone(CUES), { language: 'en' }));
});

test('round trips: WebVTT and IMSC1 parse back to the same cues (IMSC drops the WebVTT settings)', () => {
  const viaVtt = readCaption(bytes(writeWebVtt(CUES)));
  assert.equal(viaVtt.cues, CUES);
  assert.equal(viaVtt.fixes, []);
  const viaImsc = readCaption(bytes(writeImsc1(CUES, { language: 'en' })));
  assert.equal(
    viaImsc.cues,
    CUES.map(({ settings: _settings, ...c }) => c),
  );
  assert.equal(viaImsc.fixes, []);
  assert.is(viaImsc.language, 'en');
});

test('round trips from every source format: parse, write, parse is the same', () => {
  const sources = [
    '1\r\n00:00:01,000 --> 00:00:02,000\r\n<font color="red">Red</font> <i>italic\r\nstill</i> a < b\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n{\\an8}Top\r\n',
    'WEBVTT\n\n00:01.000 --> 00:02.000 align:end\n<v Bob>Hi</v> &amp; <c.x>bye</c> &lt;3\n',
    '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"><body><div><p begin="1s" end="2s">a <span tts:fontWeight="bold">b</span><br/>c</p></div></body></tt>',
  ];
  for (const source of sources) {
    const first = readCaption(bytes(source)).cues;
    assert.equal(readCaption(bytes(writeWebVtt(first))).cues, first, source);
    assert.equal(
      readCaption(bytes(writeImsc1(first, { language: 'en' }))).cues,
      first.map(({ settings: _s, ...c }) => c),
      source,
    );
  }
});

test('writers refuse what the check never passes: MEDIA_ARGUMENT_INVALID', () => {
  const bad: Cue[][] = [
    [{ start: 2, end: 1, text: 'x' }],
    [{ start: 1, end: Infinity, text: 'x' }],
    [{ start: -1, end: 1, text: 'x' }],
    [{ start: 1, end: 2, text: ' <i></i> ' }],
    [{ start: 1, end: 2, text: 'x', settings: { align: 'start\n\n00:00' } }],
  ];
  for (const cues of bad) {
    assert.is(refused(() => writeWebVtt(cues)).code, 'MEDIA_ARGUMENT_INVALID');
    assert.is(refused(() => writeImsc1(cues, { language: 'en' })).code, 'MEDIA_ARGUMENT_INVALID');
  }
  assert.is(refused(() => writeImsc1(CUES, { language: 'en"><x' })).code, 'MEDIA_ARGUMENT_INVALID');
  assert.ok(writeImsc1(CUES, { language: '' }).includes('xml:lang=""'), 'an unknown language is the empty tag');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captionFormatOfExtension, sniffCaptionFormat } from '../../../src/media/captions/caption-format.js';
import { readCaption } from '../../../src/media/captions/read-caption.js';
import { refused, bytes } from './caption-fixtures.js';

const VTT = 'WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n';
const SRT = '1\n00:00:01,000 --> 00:00:02,000\nHello\n';
const TTML = '<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="eng"><body><div><p begin="1s" end="2s">Hello</p></div></body></tt>';

test('the format is sniffed from the content', () => {
  assert.is(sniffCaptionFormat(VTT), 'webvtt');
  assert.is(sniffCaptionFormat('\uFEFFWEBVTT'), 'webvtt');
  assert.is(sniffCaptionFormat(SRT), 'srt');
  assert.is(sniffCaptionFormat('\n\n00:00:01.000 --> 00:00:02.000\nno header, dots\n'), 'srt');
  assert.is(sniffCaptionFormat(TTML), 'ttml');
  assert.is(sniffCaptionFormat('<!-- c --><tt:tt xmlns:tt="http://www.w3.org/ns/ttml"/>'), 'ttml');
  assert.is(sniffCaptionFormat('<!DOCTYPE tt [<!ENTITY a "b">]>\n<tt/>'), 'ttml', 'so the TTML reader refuses the DOCTYPE');
  assert.is(sniffCaptionFormat('<html><body/></html>'), null);
  assert.is(sniffCaptionFormat('just some words'), null);
  assert.is(sniffCaptionFormat('WEBVTTX'), null);
});

test('the extension hints the format', () => {
  assert.equal(['a.vtt', 'a.WEBVTT', 'a.srt', 'a.ttml', 'a.xml', 'a.DFXP', 'a.txt', 'vtt'].map(captionFormatOfExtension), [
    'webvtt',
    'webvtt',
    'srt',
    'ttml',
    'ttml',
    'ttml',
    null,
    null,
  ]);
});

test('each format reads through the one entry; TTML says its language', () => {
  for (const [text, format] of [
    [VTT, 'webvtt'],
    [SRT, 'srt'],
    [TTML, 'ttml'],
  ] as const) {
    const r = readCaption(bytes(text));
    assert.is(r.format, format);
    assert.is(r.encoding, 'utf-8');
    assert.equal(r.cues, [{ start: 1, end: 2, text: 'Hello' }]);
    assert.equal(r.fixes, []);
    assert.is(r.language, format === 'ttml' ? 'en' : null);
  }
});

test('the hint is used when the content does not say; content that says otherwise wins, recorded', () => {
  const mismatch = readCaption(bytes(SRT), { format: 'webvtt' });
  assert.is(mismatch.format, 'srt');
  assert.equal(
    mismatch.fixes.map((f) => [f.code, f.message]),
    [['CAPTION_FORMAT_MISMATCH', 'the file name says webvtt but the content is srt; read as srt']],
  );
  const hinted = refused(() => readCaption(bytes('not a caption at all'), { format: 'ttml' }));
  assert.is(hinted.code, 'CAPTION_INVALID', 'read as the hint says, and refused as that');
  assert.is(refused(() => readCaption(bytes('not a caption at all'))).code, 'CAPTION_FORMAT_UNKNOWN');
  assert.is(refused(() => readCaption(bytes(VTT), { format: 'ass' as never })).code, 'MEDIA_ARGUMENT_INVALID');
});

test('fixes come in order: decoding, format, parsing, checking', () => {
  const text = 'WEBVTT\n\n00:05.000 --> 00:06.000 size:10%\n<v A>late</v>\n\n00:01.000 --> 00:01.000\nzero\n\n00:02.000 --> 00:03.000\nearly\n';
  const utf16 = new Uint8Array(2 + text.length * 2);
  utf16.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) utf16[2 + 2 * i] = text.charCodeAt(i);
  const r = readCaption(utf16, { format: 'srt', durationSeconds: 5.5 });
  assert.is(r.encoding, 'utf-16le');
  assert.equal(
    r.fixes.map((f) => f.code),
    [
      'CAPTION_TRANSCODED',
      'CAPTION_FORMAT_MISMATCH',
      'CAPTION_SETTING_DROPPED',
      'CAPTION_MARKUP_STRIPPED',
      'CAPTION_CUE_CLIPPED',
      'CAPTION_CUE_DROPPED',
      'CAPTION_CUES_SORTED',
    ],
  );
  assert.equal(
    r.cues.map((c) => [c.start, c.end, c.text]),
    [
      [2, 3, 'early'],
      [5, 5.5, 'late'],
    ],
  );
});

test('every refusal code reaches the caller as a 422 ApplianceError', () => {
  const cases: Array<[Uint8Array, string, object?]> = [
    [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'CAPTION_NOT_TEXT', { format: 'webvtt' }],
    [new Uint8Array([...bytes('WEBVTT\n\n00:01.000 --> 00:02.000\n'), 0xff]), 'CAPTION_ENCODING'],
    [bytes('hello'), 'CAPTION_FORMAT_UNKNOWN'],
    [bytes('<tt xmlns="http://www.w3.org/ns/ttml"><body></tt>'), 'CAPTION_INVALID'],
    [bytes('1\n00:00:01,000 --> 00:00:0x,000\nA\n'), 'CAPTION_TIMING'],
    [new Uint8Array(), 'CAPTION_EMPTY'],
    [bytes(' \r\n\t\n'), 'CAPTION_EMPTY'],
    [bytes('WEBVTT\n\nNOTE nothing\n'), 'CAPTION_EMPTY'],
    [bytes(VTT), 'CAPTION_TOO_LARGE', { maxBytes: 10 }],
    [bytes(`WEBVTT\n\n${'00:01.000 --> 00:02.000\nx\n\n'.repeat(20_001)}`), 'CAPTION_TOO_LARGE'],
  ];
  for (const [input, code, options] of cases) {
    const err = refused(() => readCaption(input, options));
    assert.is(err.code, code);
    assert.is(err.status, 422);
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeCaptionBytes, firstInvalidUtf8 } from '../../../src/media/captions/caption-bytes.js';
import { refused, bytes as utf8 } from './caption-fixtures.js';

function utf16(s: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 + s.length * 2);
  out.set(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 + 2 * i] = littleEndian ? u & 0xff : u >> 8;
    out[3 + 2 * i] = littleEndian ? u >> 8 : u & 0xff;
  }
  return out;
}

test('UTF-8 is read as is, a BOM stripped without a fix', () => {
  assert.equal(decodeCaptionBytes(utf8('WEBVTT\n\nÄ é 漢字 🎬')), { text: 'WEBVTT\n\nÄ é 漢字 🎬', encoding: 'utf-8', fixes: [] });
  const bom = decodeCaptionBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('WEBVTT')]));
  assert.equal(bom, { text: 'WEBVTT', encoding: 'utf-8', fixes: [] });
});

test('UTF-16 LE and BE with a BOM are decoded, and the decode is recorded', () => {
  const text = 'WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nÇa va — 🎬\r\n';
  for (const [le, encoding] of [
    [true, 'utf-16le'],
    [false, 'utf-16be'],
  ] as const) {
    const d = decodeCaptionBytes(utf16(text, le));
    assert.is(d.text, text);
    assert.is(d.encoding, encoding);
    assert.equal(
      d.fixes.map((f) => [f.code, f.level]),
      [['CAPTION_TRANSCODED', 'fix']],
    );
  }
});

test('invalid UTF-8 is refused with the byte offset of the first invalid sequence', () => {
  // "Caf" then Windows-1252 é (0xE9) followed by ASCII: not a UTF-8 sequence.
  const bytes = new Uint8Array([...utf8('WEBVTT\n\nCaf'), 0xe9, ...utf8(' ok')]);
  const err = refused(() => decodeCaptionBytes(bytes));
  assert.is(err.code, 'CAPTION_ENCODING');
  assert.is(err.status, 422);
  assert.match(err.message, /byte offset 11\b/);
  assert.equal(err.details, { offset: 11 });
  // After a BOM the offset still counts from the file's first byte.
  const withBom = refused(() => decodeCaptionBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xc0, 0x80])));
  assert.equal(withBom.details, { offset: 4 }, 'an overlong encoding');
  assert.equal(refused(() => decodeCaptionBytes(new Uint8Array([0x41, 0xe2, 0x82]))).details, { offset: 1 }, 'cut short at the end');
});

test('binary files are not text: PNG, MP4, Matroska signatures, NUL and other control bytes', () => {
  const png = refused(() => decodeCaptionBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
  assert.is(png.code, 'CAPTION_NOT_TEXT');
  assert.match(png.message, /PNG image/);
  const mp4 = refused(() => decodeCaptionBytes(new Uint8Array([0, 0, 0, 0x20, ...utf8('ftypisom'), 0, 0, 2, 0])));
  assert.match(mp4.message, /MP4/);
  assert.match(refused(() => decodeCaptionBytes(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2]))).message, /Matroska/);
  const nul = refused(() => decodeCaptionBytes(utf8('WEBVTT\n\n00:01.000 --> 00:02.000\nhi\u0000there')));
  assert.is(nul.code, 'CAPTION_NOT_TEXT');
  assert.match(nul.message, /0x00 at byte offset 34/);
  assert.is(refused(() => decodeCaptionBytes(utf8('1\n00:00:01,000 --> 00:00:02,000\n\u0007bell'))).code, 'CAPTION_NOT_TEXT');
  assert.is(refused(() => decodeCaptionBytes(utf16('WEBVTT\u0000', true))).code, 'CAPTION_NOT_TEXT', 'NUL inside UTF-16 too');
});

test('tab, CR, LF and form feed are text', () => {
  assert.is(decodeCaptionBytes(utf8('a\tb\r\nc\fd')).text, 'a\tb\r\nc\fd');
});

test('empty, over the size limit, UTF-32 and broken UTF-16 are refused', () => {
  assert.is(refused(() => decodeCaptionBytes(new Uint8Array())).code, 'CAPTION_EMPTY');
  const big = refused(() => decodeCaptionBytes(new Uint8Array(5 * 1024 * 1024 + 1).fill(0x41)));
  assert.is(big.code, 'CAPTION_TOO_LARGE');
  assert.is(refused(() => decodeCaptionBytes(utf8('WEBVTT'), { maxBytes: 4 })).code, 'CAPTION_TOO_LARGE');
  assert.is(decodeCaptionBytes(new Uint8Array(5 * 1024 * 1024).fill(0x41)).text.length, 5 * 1024 * 1024, 'exactly the limit is read');
  assert.is(refused(() => decodeCaptionBytes(new Uint8Array([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]))).code, 'CAPTION_ENCODING', 'UTF-32 LE');
  assert.is(refused(() => decodeCaptionBytes(new Uint8Array([0xff, 0xfe, 0x41]))).code, 'CAPTION_ENCODING', 'odd length');
  const lone = refused(() => decodeCaptionBytes(new Uint8Array([0xff, 0xfe, 0x41, 0, 0x00, 0xd8, 0x41, 0])));
  assert.is(lone.code, 'CAPTION_ENCODING');
  assert.equal(lone.details, { offset: 4 }, 'an unpaired high surrogate');
});

test('firstInvalidUtf8 agrees with a fatal TextDecoder on random bytes', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const leads = [0x41, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x90, 0xa0];
  for (let n = 0; n < 5000; n++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
      random() < 0.5 ? leads[Math.floor(random() * leads.length)]! : Math.floor(random() * 256),
    );
    let valid = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      valid = false;
    }
    assert.is(firstInvalidUtf8(bytes) === -1, valid, `bytes ${[...bytes].map((b) => b.toString(16)).join(' ')}`);
  }
});

test.run();

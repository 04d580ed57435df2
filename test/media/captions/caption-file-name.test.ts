import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captionFileName, captionFilesFor } from '../../../src/media/captions/caption-file-name.js';
import { toBcp47, toIso6392 } from '../../../src/media/language-codes.js';

test('sidecars of a master: language, forced, sdh, format from the extension', () => {
  assert.equal(captionFileName('Movie.en.vtt', 'Movie.mov'), { name: 'Movie.en.vtt', format: 'webvtt', language: 'en', forced: false, sdh: false });
  assert.equal(captionFileName('Movie.vtt', 'Movie.mov'), { name: 'Movie.vtt', format: 'webvtt', language: null, forced: false, sdh: false });
  assert.equal(captionFileName('Movie.fre.forced.srt', 'Movie.mov'), { name: 'Movie.fre.forced.srt', format: 'srt', language: 'fr', forced: true, sdh: false });
  assert.equal(captionFileName('Movie.pt-br.SDH.dfxp', 'Movie.mov'), {
    name: 'Movie.pt-br.SDH.dfxp',
    format: 'ttml',
    language: 'pt-BR',
    forced: false,
    sdh: true,
  });
  assert.equal(captionFileName('Movie.ENG.cc.TTML', 'Movie.mov')?.language, 'en');
  assert.equal(captionFileName('Movie.forced.xml', 'Movie.mov'), { name: 'Movie.forced.xml', format: 'ttml', language: null, forced: true, sdh: false });
  assert.equal(captionFileName('Movie.hi.srt', 'Movie.mov')?.language, 'hi', 'hi is Hindi');
  assert.equal(captionFileName('My.Movie.final.de.srt', 'My.Movie.final.mxf')?.language, 'de', 'dots in the master name');
  assert.equal(captionFileName('Movie.en.vtt', 'Movie')?.language, 'en', 'a master without an extension');
});

test('not the master’s: other names, unknown parts, unknown languages, other extensions, paths, the master itself', () => {
  for (const name of [
    'Movie2.en.vtt',
    'movie.en.vtt',
    'Movie.v2.srt',
    'Movie.xx1.srt',
    'Movie.qqq.srt',
    'Movie.forced.en.srt',
    'Movie.en.fr.srt',
    'Movie.en.txt',
    'Movie.en.mov',
    'Movie.mov',
    'sub/Movie.en.vtt',
    'Moviee.vtt',
  ])
    assert.is(captionFileName(name, 'Movie.mov'), null, name);
});

test('captionFilesFor picks a folder’s sidecars of one master, in name order', () => {
  const folder = ['Other.en.srt', 'Movie.mov', 'Movie.fr.vtt', 'Movie.en.srt', 'Movie.jpg', 'Movie.vtt', 'Movie.en.forced.srt'];
  assert.equal(
    captionFilesFor('Movie.mov', folder).map((s) => [s.name, s.language, s.forced]),
    [
      ['Movie.en.forced.srt', 'en', true],
      ['Movie.en.srt', 'en', false],
      ['Movie.fr.vtt', 'fr', false],
      ['Movie.vtt', null, false],
    ],
  );
});

test('toBcp47: two letters where ISO 639-1 has them, B and T forms, regions and scripts cased, unknown null', () => {
  const cases: Array<[string, string | null]> = [
    ['en', 'en'],
    ['eng', 'en'],
    ['fre', 'fr'],
    ['fra', 'fr'],
    ['ger', 'de'],
    ['deu', 'de'],
    ['chi', 'zh'],
    ['zh_hant_tw', 'zh-Hant-TW'],
    ['PT-br', 'pt-BR'],
    ['es-419', 'es-419'],
    ['iw', 'he'],
    ['yue', 'yue'],
    ['fil', 'fil'],
    ['und', 'und'],
    ['xx', null],
    ['qqq', null],
    ['en-!!', null],
    ['', null],
  ];
  for (const [code, expected] of cases) assert.is(toBcp47(code), expected, code);
});

test('toIso6392: bibliographic by default, terminology on request', () => {
  assert.equal(
    ['en', 'fr', 'de', 'zh-Hans', 'nl', 'cs', 'fra', 'eng', 'xx'].map((c) => toIso6392(c)),
    ['eng', 'fre', 'ger', 'chi', 'dut', 'cze', 'fre', 'eng', null],
  );
  assert.equal(
    ['fr', 'de', 'en', 'ger'].map((c) => toIso6392(c, 'T')),
    ['fra', 'deu', 'eng', 'deu'],
  );
});

test.run();

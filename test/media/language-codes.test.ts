import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBcp47, toIso6392 } from '../../src/media/language-codes.js';

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

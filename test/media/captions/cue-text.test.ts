import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cueTextLines, cueTextTokens, normaliseCueText, plainCueText, type TextToken } from '../../../src/media/captions/cue-text.js';

const t = (text: string): TextToken => ({ kind: 'text', text });
const open = (tag: 'b' | 'i' | 'u'): TextToken => ({ kind: 'open', tag });
const close = (tag: 'b' | 'i' | 'u'): TextToken => ({ kind: 'close', tag });
const br: TextToken = { kind: 'break' };

test('whitespace folded, lines trimmed, empty lines dropped', () => {
  assert.is(normaliseCueText([t('  a \t  b  '), br, t('   '), br, t(' c')]), 'a b\nc');
  assert.is(normaliseCueText([t('a\r\nb\nc')]), 'a\nb\nc', 'newlines in text are breaks');
  assert.is(normaliseCueText([t('   '), br]), '');
  assert.is(normaliseCueText([t('\u00a0keep\u00a0')]), '\u00a0keep\u00a0', 'a no-break space is text');
});

test('tags balanced: unclosed closed, stray ends ignored, mis-nesting resolved, empty pairs gone', () => {
  assert.is(normaliseCueText([open('i'), t('a')]), '<i>a</i>');
  assert.is(normaliseCueText([close('b'), t('a'), close('i')]), 'a');
  assert.is(normaliseCueText([open('i'), open('b'), t('x'), close('i'), t('y'), close('b')]), '<b><i>x</i>y</b>');
  assert.is(normaliseCueText([t('a'), open('u'), close('u'), t('b')]), 'ab');
  assert.is(normaliseCueText([open('i'), t('a'), close('i'), open('i'), t('b'), close('i')]), '<i>ab</i>', 'neighbours merged');
});

test('tags are closed at each line end and reopened on the next', () => {
  assert.is(normaliseCueText([open('i'), t('one'), br, t('two'), close('i')]), '<i>one</i>\n<i>two</i>');
});

test('a space at a style boundary takes the styles both sides share', () => {
  assert.is(normaliseCueText([open('i'), t('a '), close('i'), t('b')]), '<i>a</i> b');
  assert.is(normaliseCueText([t('a'), open('b'), t(' b')]), 'a <b>b</b>');
  assert.is(normaliseCueText([open('i'), t('a'), open('b'), t(' b'), close('b'), close('i')]), '<i>a <b>b</b></i>');
});

test('the form is canonical: normalising its own tokens gives it back', () => {
  const samples = [
    [open('i'), open('b'), t(' x '), close('i'), t('y  '), close('b'), t('  z'), br, open('u'), t('w')],
    [open('b'), t('a '), close('b'), open('i'), t(' b'), close('i'), open('u'), t(' '), close('u'), t('c')],
    [t('a < b & c > d'), br, open('i'), t('<')],
  ];
  for (const tokens of samples) {
    const once = normaliseCueText(tokens);
    assert.is(normaliseCueText(cueTextTokens(once)), once, once);
  }
});

test('plain text and lines of runs', () => {
  assert.is(plainCueText('<b>bold <i>both</i></b>\n<u>u</u> x'), 'bold both\nu x');
  assert.equal(cueTextLines('<i>a</i> b'), [
    [
      { text: 'a', style: 2 },
      { text: ' b', style: 0 },
    ],
  ]);
});

test.run();

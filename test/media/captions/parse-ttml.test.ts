import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTtml } from '../../../src/media/captions/parse-ttml.js';
import { parseTtmlTime } from '../../../src/media/captions/ttml-time.js';
import { refused } from './caption-fixtures.js';

const TT = 'xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" xmlns:tts="http://www.w3.org/ns/ttml#styling"';
const doc = (body: string, attrs = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<tt ${TT} xml:lang="en" ${attrs}>\n<body>\n<div>\n${body}\n</div>\n</body>\n</tt>\n`;
const times = (text: string) => parseTtml(text).cues.map((c) => [c.start, c.end, c.text]);
const near = (actual: number[][], expected: number[][]) =>
  actual.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) < 1e-9, `row ${i} column ${k}: ${v} vs ${expected[i]![k]}`)));

test('time expressions: clock, frames, sub-frames, every offset metric', () => {
  const rates = { frameRate: 25, subFrameRate: 2, tickRate: 10_000_000 };
  const got = ['00:00:01.500', '01:02:03', '00:00:01:05', '00:00:01:05.1', '12.5s', '500ms', '1.5h', '2m', '60f', '25000000t'].map((t) =>
    parseTtmlTime(t, rates),
  );
  near([got as number[]], [[1.5, 3723, 1.2, 1.22, 12.5, 0.5, 5400, 120, 2.4, 2.5]]);
  for (const bad of ['1:2:3', '00:60:00', 'abc', '12', '-1s', '1.5', '00:00:01,000', '']) assert.is(parseTtmlTime(bad), null, bad);
});

test('a simple IMSC document: p begin/end, <br/>, nested spans, whitespace folded, xml:lang', () => {
  const text = doc(`<p begin="00:00:01.000" end="00:00:02.500">Hello
      <span>big <span>wide</span></span>   world<br/>
      second   line</p>
<p begin="00:00:03.000" dur="1.5s">Two &amp; &lt;three&gt; &#233;</p>`);
  const parsed = parseTtml(text);
  assert.equal(parsed.cues, [
    { start: 1, end: 2.5, text: 'Hello big wide world\nsecond line', line: 5 },
    { start: 3, end: 4.5, text: 'Two & <three> é', line: 8 },
  ]);
  assert.is(parsed.language, 'en');
  assert.equal(parsed.fixes, []);
});

test('frames at ttp:frameRate with a multiplier, ticks at ttp:tickRate, div and body offsets added to their children', () => {
  const text = `<tt ${TT} ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001" ttp:tickRate="10000000">
<body begin="2s"><div begin="00:00:10.000">
<p begin="00:00:01:15" end="00:00:02:00">frames</p>
<p begin="30000000t" end="40000000t">ticks</p>
<div begin="1m"><p begin="500ms" dur="60f">nested div, frames</p></div>
</div></body></tt>`;
  const fps = 30000 / 1001;
  near(
    times(text).map(([s, e]) => [s as number, e as number]),
    [
      [12 + 1 + 15 / fps, 12 + 2],
      [15, 16],
      [72.5, 72.5 + 60 / fps],
    ],
  );
});

test('defaults: 30 fps frames; ticks at the frame rate when ttp:frameRate is given, else 1 per second', () => {
  assert.equal(times(doc('<p begin="00:00:01:15" end="90f">a</p><p begin="3t" end="4t">b</p>')), [
    [1.5, 3, 'a'],
    [3, 4, 'b'],
  ]);
  near(
    times(doc('<p begin="50t" end="75t">c</p>', 'ttp:frameRate="25"')).map(([s, e]) => [s as number, e as number]),
    [[2, 3]],
  );
});

test('end bounded by dur and by the parent; a seq container runs its children one after another', () => {
  const text = `<tt ${TT}><body><div begin="10s" end="20s">
<p begin="1s" end="5s" dur="2s">min of end and dur</p>
<p begin="8s" end="30s">clipped by the div</p>
<p begin="25s" end="26s">after the div: never shown</p>
</div><div timeContainer="seq" begin="100s">
<p dur="1s">first</p><p dur="2s">second</p><p begin="1s" dur="1s">third, a second later</p>
</div></body></tt>`;
  assert.equal(times(text), [
    [11, 13, 'min of end and dur'],
    [18, 20, 'clipped by the div'],
    [100, 101, 'first'],
    [101, 103, 'second'],
    [104, 105, 'third, a second later'],
  ]);
});

test('spans with their own times split a <p> into a cue per stretch of unchanged text', () => {
  const text = doc('<p begin="10s" end="14s"><span begin="0s" end="2s">one</span> <span begin="1s">two</span></p>');
  assert.equal(times(text), [
    [10, 11, 'one'],
    [11, 12, 'one two'],
    [12, 14, 'two'],
  ]);
});

test('italic, bold, underline from tts: attributes and referenced styles; other styling dropped', () => {
  const text = `<tt ${TT}><head><styling>
<style xml:id="it" tts:fontStyle="italic" tts:color="yellow"/>
<style xml:id="bd" style="it" tts:fontWeight="bold"/>
</styling></head><body><div>
<p begin="1s" end="2s" style="it">all italic <span tts:fontStyle="normal">but this</span></p>
<p begin="3s" end="4s"><span style="bd">bold italic</span> <span tts:textDecoration="underline">under</span> <span tts:color="red">red</span></p>
</div></body></tt>`;
  assert.equal(
    parseTtml(text).cues.map((c) => c.text),
    ['<i>all italic</i> but this', '<b><i>bold italic</i></b> <u>under</u> red'],
  );
});

test('xml:space="preserve" keeps line breaks in the text; metadata and foreign elements are not text', () => {
  const text = `<tt ${TT} xmlns:ttm="http://www.w3.org/ns/ttml#metadata" xmlns:x="urn:other"><body><div>
<p begin="1s" end="2s" xml:space="preserve">line one
line two</p>
<p begin="3s" end="4s"><metadata><ttm:desc>not shown</ttm:desc></metadata>shown<x:note>hidden</x:note></p>
</div></body></tt>`;
  assert.equal(
    parseTtml(text).cues.map((c) => c.text),
    ['line one\nline two', 'shown'],
  );
});

test('DFXP namespaces and a tt: prefix are TTML too; a <p> without end under an untimed body has no end', () => {
  const dfxp = `<?xml version="1.0"?><tt:tt xmlns:tt="http://www.w3.org/2006/10/ttaf1" xmlns:ttp="http://www.w3.org/2006/10/ttaf1#parameter" ttp:frameRate="25"><tt:body><tt:div>
<tt:p begin="00:00:01:00" end="00:00:02:00">DFXP</tt:p><tt:p begin="5s">open-ended</tt:p></tt:div></tt:body></tt:tt>`;
  assert.equal(times(dfxp), [
    [1, 2, 'DFXP'],
    [5, Infinity, 'open-ended'],
  ]);
});

test('a DOCTYPE is refused: the billion laughs, an external entity, even a harmless one', () => {
  const lol = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [',
    ' <!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
    ']>',
    `<tt ${TT}><body><div><p begin="1s" end="2s">&lol9;</p></div></body></tt>`,
  ].join('\n');
  const bomb = refused(() => parseTtml(lol));
  assert.is(bomb.code, 'CAPTION_INVALID');
  assert.match(bomb.message, /^line 2: the XML has a <!DOCTYPE> declaration/);
  const xxe = refused(() =>
    parseTtml(`<!DOCTYPE tt [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><tt ${TT}><body><div><p begin="1s" end="2s">&xxe;</p></div></body></tt>`),
  );
  assert.is(xxe.code, 'CAPTION_INVALID');
  assert.is(refused(() => parseTtml(`<!DOCTYPE tt><tt ${TT}/>`)).code, 'CAPTION_INVALID');
  const inside = refused(() => parseTtml(`<tt ${TT}><body><!ENTITY x "y"></body></tt>`));
  assert.is(inside.code, 'CAPTION_INVALID');
  assert.match(inside.message, /<!ENTITY> declaration/);
});

test('an undeclared entity, malformed XML, the wrong root and a bad time are refused with their line', () => {
  const entity = refused(() => parseTtml(doc('<p begin="1s" end="2s">&nbsp;</p>')));
  assert.is(entity.code, 'CAPTION_INVALID');
  assert.match(entity.message, /^line 5: .*&nbsp;/);
  const cases: Array<[string, RegExp]> = [
    [doc('<p begin="1s" end="2s">x</span>'), /line 5: .*<\/span> does not close <p>/],
    [doc('<p begin=1s>x</p>'), /not quoted/],
    [doc('<p begin="1s" begin="2s">x</p>'), /appears twice/],
    [doc('<q:p>x</q:p>'), /prefix of q:p is not bound/],
    [doc('<p>a & b</p>'), /an "&" that is not a reference/],
    [`<tt ${TT}><body>`, /is not closed/],
    [`<tt ${TT}/><tt ${TT}/>`, /content after the root element/],
    [`<tt ${TT}/>trailing`, /text after the root element/],
    ['<html/>', /the root element is <html>, not TTML's <tt>/],
    ['<tt xmlns="urn:not-ttml"/>', /not TTML's/],
    [`<tt ${TT} ttp:frameRate="0"/>`, /ttp:frameRate="0" is not a positive number/],
    [`<tt ${TT} ttp:frameRateMultiplier="1000"/>`, /frameRateMultiplier/],
    [`${'<a>'.repeat(70)}`, /nested deeper than 64/],
  ];
  for (const [text, message] of cases) {
    const err = refused(() => parseTtml(text));
    assert.is(err.code, 'CAPTION_INVALID', text);
    assert.match(err.message, message);
  }
  const timing = refused(() => parseTtml(doc('<p begin="1s" end="2 s">x</p>')));
  assert.is(timing.code, 'CAPTION_TIMING');
  assert.match(timing.message, /^line 5: end="2 s" is not a TTML time expression/);
});

test('CDATA, comments and processing instructions are read as XML reads them', () => {
  const text = `<?xml version="1.0"?><!-- a comment --><?pi x?>\n<tt ${TT}><body><div><!-- c --><p begin="1s" end="2s"><![CDATA[a < b & c]]><?skip?> d</p></div></body></tt><!-- end -->`;
  assert.equal(
    parseTtml(text).cues.map((c) => c.text),
    ['a < b & c d'],
  );
});

test('no body, or no text, is no cues (the check refuses)', () => {
  assert.equal(parseTtml(`<tt ${TT}><head/></tt>`).cues, []);
  assert.equal(parseTtml(doc('<p begin="1s" end="2s">   </p>')).cues, []);
});

test.run();

// Hostile and pathological inputs: each is read or refused (with a caption code) in bounded
// time — nothing quadratic, no stack overflow, nothing but an ApplianceError escapes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApplianceError } from '../../../src/errors/appliance-error.js';
import { sniffCaptionFormat } from '../../../src/media/captions/caption-format.js';
import { readCaption, type CaptionResult } from '../../../src/media/captions/read-caption.js';
import { bytes } from './caption-fixtures.js';

const TT = 'xmlns="http://www.w3.org/ns/ttml"';

/** CPU milliseconds `fn` takes (user + system: a loaded host does not inflate it as wall time would). */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/**
 * The result, or the code of the ApplianceError; anything else thrown fails. Under `ms` of
 * CPU either way: generous, yet hours short of what quadratic work on these sizes would take.
 */
function timed(text: string, ms = 5000): CaptionResult | string {
  let out: CaptionResult | string = '';
  const took = cpuMs(() => {
    try {
      out = readCaption(bytes(text));
    } catch (err) {
      if (!isApplianceError(err)) throw err;
      out = err.code;
    }
  });
  assert.ok(took < ms, `took ${took} ms of CPU`);
  return out;
}

test('a WebVTT cue of a million "<" is text, read in linear time', () => {
  const r = timed(`WEBVTT\n\n00:01.000 --> 00:02.000\n${'<'.repeat(1_000_000)}x>\n`);
  assert.ok(typeof r !== 'string');
  assert.is(r.cues[0]!.text, '<'.repeat(999_999), 'the last "<" starts the tag <x>, stripped');
});

test('SubRip full of unclosed ASS overrides and tag starts', () => {
  const r = timed(`1\n00:00:01,000 --> 00:00:02,000\n${'{\\'.repeat(300_000)}${'<a '.repeat(300_000)}\n`);
  assert.ok(typeof r !== 'string');
});

test('one cue of 200 000 lines: a warning, not a stack overflow', () => {
  const r = timed(`WEBVTT\n\n00:01.000 --> 00:02.000\n${'a\n'.repeat(200_000)}`);
  assert.ok(typeof r !== 'string');
  assert.equal(
    r.fixes.map((f) => f.code),
    ['CAPTION_TOO_MANY_LINES'],
  );
});

test('XML: 60 000 attributes, 10 000 nested spans, a prolog of unclosed PIs, a <p> of 5 000 timed spans', () => {
  const attrs = Array.from({ length: 60_000 }, (_, i) => `a${i}="${i}"`).join(' ');
  assert.is(timed(`<tt ${TT} ${attrs}><body/></tt>`), 'CAPTION_EMPTY');
  assert.is(
    timed(`<tt ${TT}><body><div><p begin="1s" end="2s">${'<span>'.repeat(10_000)}x${'</span>'.repeat(10_000)}</p></div></body></tt>`),
    'CAPTION_INVALID',
  );
  const sniffing = cpuMs(() => {
    assert.is(sniffCaptionFormat(`${'<?'.repeat(30_000)}<tt/>`), null);
    assert.is(sniffCaptionFormat(`<!--${'<!--'.repeat(30_000)}<tt/>`), null);
  });
  assert.ok(sniffing < 1000, `sniffing took ${sniffing} ms of CPU`);
  const spans = Array.from({ length: 5000 }, (_, i) => `<span begin="${i}ms" end="${i + 1}ms">x</span>`).join('');
  assert.is(timed(`<tt ${TT}><body><div><p begin="0s" end="10s">${spans}</p></div></body></tt>`), 'CAPTION_INVALID');
});

test('20 000 cues, the most a file may have, read quickly', () => {
  const cue = (i: number) =>
    `${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000 --> ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.500\nline ${i}\n`;
  const r = timed(`WEBVTT\n\n${Array.from({ length: 20_000 }, (_, i) => cue(i % 3600)).join('\n')}`);
  assert.ok(typeof r !== 'string');
  assert.is(r.cues.length, 20_000);
});

test.run();

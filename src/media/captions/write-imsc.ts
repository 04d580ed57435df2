import { mediaArgumentError } from '../media-errors.js';
import { cueTextLines, hasStyle, type TextRun } from './cue-text.js';
import type { Cue } from './cue.js';
import { formatTimestamp } from './timestamps.js';
import { checkWritableCue } from './writable-cue.js';

/**
 * An IMSC1 (1.0.1) text profile document for DASH: TTML1 in the media time base, signalled
 * with `ttp:profile` (the IMSC 1.0.1 text designator; `ttp:contentProfiles` is TTML2's and
 * is not in the TTML1 vocabulary IMSC 1.0.1 builds on), `xml:lang` from the options, one
 * bottom region (centred, 80% wide), one `<p>` per cue with `begin`/`end` as `HH:MM:SS.mmm`,
 * `<br/>` between lines, text on a translucent black background, `<b>`/`<i>`/`<u>` as
 * tts:fontWeight/fontStyle/textDecoration spans. WebVTT cue settings are not carried.
 * The same cues always give the same bytes.
 */

export const IMSC1_TEXT_PROFILE = 'http://www.w3.org/ns/ttml/profile/imsc1/text';

export interface Imsc1Options {
  /** BCP-47 (RFC 5646) tag of the text's language, e.g. `en`, `pt-BR`; '' when unknown. */
  language: string;
}

const STYLE_ATTRIBUTES: ReadonlyArray<['b' | 'i' | 'u', string]> = [
  ['b', 'tts:fontWeight="bold"'],
  ['i', 'tts:fontStyle="italic"'],
  ['u', 'tts:textDecoration="underline"'],
];

export function writeImsc1(cues: readonly Cue[], options: Imsc1Options): string {
  const language = options.language;
  if (typeof language !== 'string' || (language !== '' && !/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(language))) {
    throw mediaArgumentError(`language must be a BCP-47 tag (got ${JSON.stringify(language)})`);
  }
  const paragraphs = cues.map((cue, i) => {
    checkWritableCue(cue, i);
    const lines = cueTextLines(cue.text).map((line) => line.map(runXml).join(''));
    return `      <p begin="${formatTimestamp(cue.start)}" end="${formatTimestamp(cue.end)}"><span style="s0">${lines.join('<br/>')}</span></p>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" xmlns:tts="http://www.w3.org/ns/ttml#styling" ttp:profile="${IMSC1_TEXT_PROFILE}" ttp:timeBase="media" xml:lang="${language}">`,
    '  <head>',
    '    <styling>',
    '      <style xml:id="s0" tts:color="#FFFFFF" tts:backgroundColor="#000000C2"/>',
    '    </styling>',
    '    <layout>',
    '      <region xml:id="r0" tts:origin="10% 10%" tts:extent="80% 80%" tts:displayAlign="after" tts:textAlign="center"/>',
    '    </layout>',
    '  </head>',
    '  <body region="r0">',
    '    <div>',
    ...paragraphs,
    '    </div>',
    '  </body>',
    '</tt>',
    '',
  ].join('\n');
}

function runXml(run: TextRun): string {
  const text = escapeXml(run.text);
  const styles = STYLE_ATTRIBUTES.filter(([tag]) => hasStyle(run.style, tag)).map(([, a]) => a);
  return styles.length ? `<span ${styles.join(' ')}>${text}</span>` : text;
}

function escapeXml(text: string): string {
  // U+FFFE and U+FFFF are not XML characters.
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\uFFFE\uFFFF]/g, '');
}

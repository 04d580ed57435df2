import { cueTextLines, linesToText } from './cue-text.js';
import type { Cue, CueSettings } from './cue.js';
import { checkWritableCue } from './writable-cue.js';
import { formatTimestamp } from './timestamps.js';

/**
 * WebVTT for HLS and DASH: the `WEBVTT` header, then each cue as
 * `HH:MM:SS.mmm --> HH:MM:SS.mmm [line:… position:… align:…]` and its text, cues separated
 * by a blank line, LF line ends, a final newline. `&`, `<` and `>` are escaped, except the
 * kept `<b>`, `<i>`, `<u>` (so no text line can hold `-->`). The same cues always give the
 * same bytes.
 */
export function writeWebVtt(cues: readonly Cue[]): string {
  const blocks = cues.map((cue, i) => {
    checkWritableCue(cue, i);
    const timing = `${formatTimestamp(cue.start)} --> ${formatTimestamp(cue.end)}${settingsText(cue.settings)}`;
    return `${timing}\n${linesToText(cueTextLines(cue.text), escapeWebVtt)}`;
  });
  return ['WEBVTT', ...blocks].join('\n\n') + '\n';
}

function settingsText(settings: CueSettings | undefined): string {
  if (!settings) return '';
  return (['line', 'position', 'align'] as const)
    .filter((name) => settings[name] !== undefined)
    .map((name) => ` ${name}:${settings[name]!}`)
    .join('');
}

function escapeWebVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

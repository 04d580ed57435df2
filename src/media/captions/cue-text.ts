/**
 * The normalised cue text every parser produces and every writer reads: plain text, lines
 * joined with `\n`, the only markup `<b>`, `<i>` and `<u>` — balanced, opened and closed on
 * each line, nested in that order, never empty. Whitespace runs are one space, lines are
 * trimmed, empty lines dropped. Parsers hand over tokens (text, open, close, break); the
 * styles are counted, so mis-nested or unclosed source tags still mean what they meant.
 * The form is canonical: normalising its own tokens gives the same string back.
 */

export type KeptTag = 'b' | 'i' | 'u';

export type TextToken = { kind: 'text'; text: string } | { kind: 'open'; tag: KeptTag } | { kind: 'close'; tag: KeptTag } | { kind: 'break' };

/** A stretch of one line's text with one style: a set of KeptTag bits. */
export interface TextRun {
  text: string;
  style: number;
}

/** Canonical nesting order, outermost first. */
export const KEPT_TAGS: readonly KeptTag[] = ['b', 'i', 'u'];
const BIT: Record<KeptTag, number> = { b: 1, i: 2, u: 4 };

export function hasStyle(style: number, tag: KeptTag): boolean {
  return (style & BIT[tag]) !== 0;
}

export function styleOf(tags: readonly KeptTag[]): number {
  return tags.reduce((s, t) => s | BIT[t], 0);
}

export function isKeptTag(name: string): name is KeptTag {
  return name === 'b' || name === 'i' || name === 'u';
}

/** Tokens to runs per line, whitespace folded and trimmed, empty lines dropped. */
export function tokensToLines(tokens: readonly TextToken[]): TextRun[][] {
  const open: Record<KeptTag, number> = { b: 0, i: 0, u: 0 };
  let style = 0;
  const restyle = () => (style = (open.b > 0 ? BIT.b : 0) | (open.i > 0 ? BIT.i : 0) | (open.u > 0 ? BIT.u : 0));
  const lines: TextRun[][] = [];
  let line: TextRun[] = [];
  const add = (text: string) => {
    if (text) line.push({ text, style });
  };
  const breakLine = () => {
    const folded = foldLine(line);
    if (folded.length > 0) lines.push(folded);
    line = [];
  };
  for (const token of tokens) {
    if (token.kind === 'open') {
      open[token.tag]++;
      restyle();
    } else if (token.kind === 'close') {
      open[token.tag] = Math.max(0, open[token.tag] - 1);
      restyle();
    } else if (token.kind === 'break') breakLine();
    else if (!/[\r\n]/.test(token.text)) add(token.text);
    else
      token.text
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .forEach((text, k) => {
          if (k > 0) breakLine();
          add(text);
        });
  }
  breakLine();
  return lines;
}

/** One line: whitespace runs to one space (across runs too), trimmed, empty runs gone, equal neighbours merged. */
function foldLine(runs: TextRun[]): TextRun[] {
  const out: TextRun[] = [];
  let lastSpace = true; // at the line's start a space is dropped
  for (const run of runs) {
    let text = run.text.replace(/[ \t\f\v]+/g, ' ');
    if (lastSpace) text = text.replace(/^ /, '');
    if (!text) continue;
    lastSpace = text.endsWith(' ');
    const prev = out[out.length - 1];
    if (prev && prev.style === run.style) prev.text += text;
    else out.push({ text, style: run.style });
  }
  // Trailing space: off the last runs (a run that was only that space goes).
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    last.text = last.text.replace(/ $/, '');
    if (last.text) break;
    out.pop();
  }
  if (!out.some((r) => r.text.trim() !== '')) return [];
  // A space between two runs takes only the styles both sides share (`<i>a </i>b` is `<i>a</i> b`).
  const spaced: TextRun[] = [];
  out.forEach((run, k) => {
    const next = out[k + 1];
    const prev = out[k - 1];
    let text = run.text;
    const lead = prev && text.startsWith(' ') && text.length > 1;
    const trail = next && text.endsWith(' ') && text.length > 1;
    if (lead) text = text.slice(1);
    if (trail) text = text.slice(0, -1);
    if (lead) spaced.push({ text: ' ', style: run.style & prev.style });
    spaced.push({ text, style: text === ' ' && prev && next ? run.style & prev.style & next.style : run.style });
    if (trail) spaced.push({ text: ' ', style: run.style & next.style });
  });
  // Equal styles side by side are one run.
  const merged: TextRun[] = [];
  for (const run of spaced) {
    const prev = merged[merged.length - 1];
    if (prev && prev.style === run.style) prev.text += run.text;
    else merged.push({ ...run });
  }
  return merged;
}

/**
 * Lines of runs to the canonical string. `escape` is applied to text (the WebVTT writer
 * passes its escaping; the normalised form keeps text literal).
 */
export function linesToText(lines: readonly TextRun[][], escape: (text: string) => string = (t) => t): string {
  return lines
    .map((line) => {
      let out = '';
      const stack: KeptTag[] = [];
      for (const run of line) {
        // Close until what is open is a subset of the run's style, then open what is missing in canonical order.
        while (stack.some((t) => !hasStyle(run.style, t))) out += `</${stack.pop()!}>`;
        for (const tag of KEPT_TAGS) {
          if (hasStyle(run.style, tag) && !stack.includes(tag)) {
            stack.push(tag);
            out += `<${tag}>`;
          }
        }
        out += escape(run.text);
      }
      while (stack.length) out += `</${stack.pop()!}>`;
      return out;
    })
    .join('\n');
}

/** Tokens to normalised cue text ('' when there is no text at all). */
export function normaliseCueText(tokens: readonly TextToken[]): string {
  return linesToText(tokensToLines(tokens));
}

/** The tokens of normalised cue text: `<b>`, `<i>`, `<u>` and their ends are markup, everything else text. */
export function cueTextTokens(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  const re = /<(\/?)([biu])>|\n/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) tokens.push({ kind: 'text', text: text.slice(at, m.index) });
    if (m[0] === '\n') tokens.push({ kind: 'break' });
    else tokens.push({ kind: m[1] ? 'close' : 'open', tag: m[2] as KeptTag });
    at = m.index + m[0].length;
  }
  if (at < text.length) tokens.push({ kind: 'text', text: text.slice(at) });
  return tokens;
}

/** Normalised cue text as lines of runs (the IMSC writer's view). */
export function cueTextLines(text: string): TextRun[][] {
  return tokensToLines(cueTextTokens(text));
}

/** The text without markup, lines joined with `\n` (what a viewer reads; line lengths are counted on it). */
export function plainCueText(text: string): string {
  return cueTextLines(text)
    .map((line) => line.map((r) => r.text).join(''))
    .join('\n');
}

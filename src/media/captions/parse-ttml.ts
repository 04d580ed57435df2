import { captionError } from './caption-errors.js';
import { hasStyle, KEPT_TAGS, normaliseCueText, styleOf, type KeptTag, type TextToken } from './cue-text.js';
import type { CaptionFix, ParsedCaptions, ParsedCue } from './cue.js';
import { parseTtmlTime, type TtmlRates } from './ttml-time.js';
import { readXml, XML_NAMESPACE, type XmlElement } from './xml-reader.js';

/**
 * TTML (IMSC1 text, DFXP, SMPTE-TT text), as much as a caption needs: `<p>` elements with
 * `begin`, `end` and `dur` (par and seq time containers; `<body>`, `<div>` and `<span>`
 * timing nests), `<br/>` as a line break, `<span>` text kept, whitespace folded unless
 * xml:space="preserve". Italic, bold and underline (tts:fontStyle, tts:fontWeight,
 * tts:textDecoration, inline or through `<style>` references) become `<i>`, `<b>`, `<u>`;
 * every other style, regions, positions and images are dropped (docs/captions.md). A `<p>`
 * whose spans have their own times becomes one cue per stretch of unchanged text.
 */

/** The TTML namespaces read: TTML1/2, and the DFXP drafts still found in `.dfxp` files. */
export const TTML_NAMESPACES: readonly string[] = ['http://www.w3.org/ns/ttml', 'http://www.w3.org/2006/10/ttaf1', 'http://www.w3.org/2006/04/ttaf1'];

/** A TTML document's `xml:lang` comes back too (it is the file's own statement of its language). */
export interface ParsedTtml extends ParsedCaptions {
  language: string | null;
}

/** Distinct span times in one `<p>`, and times × fragments, beyond which a file is refused (a bound on the work of splitting it). */
const MAX_POINTS_PER_P = 1000;
const MAX_SPLIT_WORK = 2_000_000;

interface Context {
  begin: number;
  end: number;
  style: number;
  preserve: boolean;
}

interface Fragment {
  text: string | null; // null: a line break
  begin: number;
  end: number;
  style: number;
  preserve: boolean;
}

export function parseTtml(text: string): ParsedTtml {
  const root = readXml(text);
  if (root.local !== 'tt')
    throw captionError('CAPTION_INVALID', `line ${root.line}: the root element is <${root.name}>, not TTML's <tt>`, { line: root.line, format: 'ttml' });
  if (root.ns !== null && !TTML_NAMESPACES.includes(root.ns)) {
    throw captionError('CAPTION_INVALID', `line ${root.line}: <tt> is in the namespace ${root.ns.slice(0, 80)}, not TTML's`, {
      line: root.line,
      format: 'ttml',
    });
  }
  const reader = new TtmlReader(root);
  return { cues: reader.cues, fixes: reader.fixes, language: attr(root, 'lang', XML_NAMESPACE) || null };
}

/** The value of an attribute: `ns` exact, or a suffix (`#parameter`, `#styling`) of the attribute's namespace. */
function attr(el: XmlElement, local: string, ns: string | null = null): string | undefined {
  return el.attrs.find((a) => a.local === local && (ns === null ? a.ns === null : ns.startsWith('#') ? (a.ns ?? '').endsWith(ns) : a.ns === ns))?.value;
}

class TtmlReader {
  readonly cues: ParsedCue[] = [];
  readonly fixes: CaptionFix[] = [];
  private readonly ns: string | null;
  private readonly rates: TtmlRates;
  private readonly styles = new Map<string, XmlElement>();

  constructor(root: XmlElement) {
    this.ns = root.ns;
    this.rates = this.readRates(root);
    const head = this.child(root, 'head');
    const styling = head && this.child(head, 'styling');
    for (const s of styling ? this.children(styling, 'style') : []) {
      const id = attr(s, 'id', XML_NAMESPACE);
      if (id) this.styles.set(id, s);
    }
    const body = this.child(root, 'body');
    if (!body) return;
    const top: Context = { begin: 0, end: Infinity, style: 0, preserve: attr(root, 'space', XML_NAMESPACE) === 'preserve' };
    const context = this.interval(body, top, 0);
    if (context) this.block(body, context);
  }

  private readRates(root: XmlElement): TtmlRates {
    const number = (name: string, pattern: RegExp): number | undefined => {
      const value = attr(root, name, '#parameter');
      if (value === undefined) return undefined;
      if (!pattern.test(value.trim()) || Number(value) <= 0) {
        throw captionError('CAPTION_INVALID', `line ${root.line}: ttp:${name}="${value.slice(0, 40)}" is not a positive number`, {
          line: root.line,
          format: 'ttml',
        });
      }
      return Number(value);
    };
    const frameRate = number('frameRate', /^\d+$/);
    const subFrameRate = number('subFrameRate', /^\d+$/) ?? 1;
    const tickRate = number('tickRate', /^\d+$/);
    let multiplier = 1;
    const m = attr(root, 'frameRateMultiplier', '#parameter');
    if (m !== undefined) {
      const parts = /^\s*(\d+)\s+(\d+)\s*$/.exec(m);
      if (!parts || Number(parts[1]) === 0 || Number(parts[2]) === 0) {
        throw captionError('CAPTION_INVALID', `line ${root.line}: ttp:frameRateMultiplier="${m.slice(0, 40)}" is not two positive integers`, {
          line: root.line,
          format: 'ttml',
        });
      }
      multiplier = Number(parts[1]) / Number(parts[2]);
    }
    const effective = (frameRate ?? 30) * multiplier;
    return { frameRate: effective, subFrameRate, tickRate: tickRate ?? (frameRate !== undefined ? effective * subFrameRate : 1) };
  }

  private isTt(el: XmlElement, local: string): boolean {
    return el.local === local && el.ns === this.ns;
  }

  private child(el: XmlElement, local: string): XmlElement | undefined {
    return this.children(el, local)[0];
  }

  private children(el: XmlElement, local: string): XmlElement[] {
    return el.children.filter((c): c is XmlElement => c.kind === 'element' && this.isTt(c, local));
  }

  private time(el: XmlElement, name: 'begin' | 'end' | 'dur'): number | undefined {
    const value = attr(el, name);
    if (value === undefined) return undefined;
    const seconds = parseTtmlTime(value, this.rates);
    if (seconds === null) {
      throw captionError('CAPTION_TIMING', `line ${el.line}: ${name}="${value.slice(0, 40)}" is not a TTML time expression`, { line: el.line, format: 'ttml' });
    }
    return seconds;
  }

  /**
   * The element's active interval inside its parent's: times are offsets from `syncBase`
   * (the parent's begin in a par container, the previous sibling's end in a seq one), `end`
   * and `dur` both bound it, and nothing outlives the parent. Null when never active.
   */
  private interval(el: XmlElement, parent: Context, syncBase: number): Context | null {
    const begin = syncBase + (this.time(el, 'begin') ?? 0);
    const endAttr = this.time(el, 'end');
    const dur = this.time(el, 'dur');
    let end = Math.min(parent.end, endAttr === undefined ? Infinity : syncBase + endAttr, dur === undefined ? Infinity : begin + dur);
    if (!Number.isFinite(begin) || begin > parent.end) return null;
    if (end < begin) end = begin; // an end before the begin: a cue of no duration (dropped, and said so, by the check)
    const space = attr(el, 'space', XML_NAMESPACE);
    return { begin, end, style: this.computedStyle(el, parent.style), preserve: space === undefined ? parent.preserve : space === 'preserve' };
  }

  /** body and div: their p and div children, in par or seq time. */
  private block(el: XmlElement, context: Context): void {
    const seq = attr(el, 'timeContainer') === 'seq';
    let cursor = context.begin;
    for (const c of el.children) {
      if (c.kind !== 'element' || !(this.isTt(c, 'div') || this.isTt(c, 'p'))) continue;
      const inner = this.interval(c, context, seq ? cursor : context.begin);
      if (!inner) continue;
      if (seq) cursor = inner.end;
      if (this.isTt(c, 'div')) this.block(c, inner);
      else this.paragraph(c, inner);
    }
  }

  private paragraph(p: XmlElement, context: Context): void {
    const fragments: Fragment[] = [];
    this.inline(p, context, fragments);
    if (!fragments.some((f) => f.text !== null && f.text.trim() !== '')) return;
    const uniform = fragments.every((f) => f.begin <= context.begin && f.end >= context.end);
    if (uniform) {
      this.cues.push({ start: context.begin, end: context.end, text: textOf(fragments), line: p.line });
      return;
    }
    const points = [...new Set([context.begin, context.end, ...fragments.flatMap((f) => [f.begin, f.end])])]
      .filter((t) => t >= context.begin && t <= context.end)
      .sort((a, b) => a - b);
    if (points.length > MAX_POINTS_PER_P || points.length * fragments.length > MAX_SPLIT_WORK) {
      throw captionError('CAPTION_INVALID', `line ${p.line}: a <p> with more than ${MAX_POINTS_PER_P} distinct span times`, { line: p.line, format: 'ttml' });
    }
    let previous: ParsedCue | null = null;
    for (let k = 0; k + 1 < points.length; k++) {
      const [t0, t1] = [points[k]!, points[k + 1]!];
      const text = textOf(fragments.filter((f) => f.begin <= t0 && f.end >= t1));
      if (!text) {
        previous = null;
        continue;
      }
      if (previous && previous.text === text && previous.end === t0) previous.end = t1;
      else {
        previous = { start: t0, end: t1, text, line: p.line };
        this.cues.push(previous);
      }
    }
  }

  /** p and span content: text, `<br/>`, nested timed spans; other elements (metadata, foreign) are skipped. */
  private inline(el: XmlElement, context: Context, out: Fragment[]): void {
    const seq = attr(el, 'timeContainer') === 'seq';
    let cursor = context.begin;
    for (const c of el.children) {
      if (c.kind === 'text') {
        out.push({ text: c.text, begin: context.begin, end: context.end, style: context.style, preserve: context.preserve });
        continue;
      }
      if (!this.isTt(c, 'span') && !this.isTt(c, 'br')) continue;
      const inner = this.interval(c, context, seq ? cursor : context.begin);
      if (!inner) continue;
      if (seq) cursor = inner.end;
      if (this.isTt(c, 'br')) out.push({ text: null, begin: inner.begin, end: inner.end, style: 0, preserve: false });
      else this.inline(c, inner, out);
    }
  }

  /** The parent's style, then the referenced `<style>`s in order, then the element's own tts: attributes. */
  private computedStyle(el: XmlElement, inherited: number): number {
    let style = inherited;
    const seen = new Set<string>();
    const apply = (source: XmlElement, depth: number): void => {
      for (const id of (attr(source, 'style') ?? '').split(/\s+/).filter(Boolean)) {
        const ref = this.styles.get(id);
        if (!ref || seen.has(id) || depth > 8) continue;
        seen.add(id);
        apply(ref, depth + 1);
      }
      style = applyTts(source, style);
    };
    apply(el, 0);
    return style;
  }
}

function applyTts(el: XmlElement, style: number): number {
  const set = (tag: KeptTag, on: boolean | undefined) => {
    if (on === true) style |= styleOf([tag]);
    else if (on === false) style &= ~styleOf([tag]);
  };
  const fontStyle = attr(el, 'fontStyle', '#styling');
  if (fontStyle !== undefined) set('i', fontStyle === 'italic' || fontStyle === 'oblique');
  const fontWeight = attr(el, 'fontWeight', '#styling');
  if (fontWeight !== undefined) set('b', fontWeight === 'bold');
  const decoration = attr(el, 'textDecoration', '#styling');
  if (decoration !== undefined) {
    const words = decoration.split(/\s+/);
    set('u', words.includes('underline') ? true : words.includes('noUnderline') || words.includes('none') ? false : undefined);
  }
  return style;
}

/** Fragments to normalised cue text: styles as tags, whitespace folded unless preserved. */
function textOf(fragments: readonly Fragment[]): string {
  const tokens: TextToken[] = [];
  for (const f of fragments) {
    if (f.text === null) {
      tokens.push({ kind: 'break' });
      continue;
    }
    const text = f.preserve ? f.text : f.text.replace(/[ \t\r\n]+/g, ' ');
    const tags = KEPT_TAGS.filter((t) => hasStyle(f.style, t));
    for (const tag of tags) tokens.push({ kind: 'open', tag });
    tokens.push({ kind: 'text', text });
    for (const tag of [...tags].reverse()) tokens.push({ kind: 'close', tag });
  }
  return normaliseCueText(tokens);
}

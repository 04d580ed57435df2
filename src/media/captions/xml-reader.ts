import { captionError } from './caption-errors.js';

/**
 * A small, strict XML reader for TTML: elements, attributes, text, CDATA, comments and
 * processing instructions, with namespaces resolved. What makes XML dangerous is refused,
 * not handled: any `<!DOCTYPE` (so no entity declarations — no billion laughs, no external
 * entities), and any entity reference other than the five predefined ones and character
 * references. Not well-formed input (mismatched tags, unquoted attributes, an unbound
 * prefix, two roots) is refused with its line. Depth is capped, so nothing recurses far.
 */

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  ns: string | null;
  local: string;
  /** As written (`ttp:frameRate`). */
  name: string;
  value: string;
}

export interface XmlText {
  kind: 'text';
  text: string;
}

export interface XmlElement {
  kind: 'element';
  ns: string | null;
  local: string;
  name: string;
  attrs: XmlAttribute[];
  children: XmlNode[];
  /** 1-based line of the start tag. */
  line: number;
}

export type XmlNode = XmlElement | XmlText;

export const DEFAULT_MAX_XML_DEPTH = 64;

const NAME = /[A-Za-z_\u00C0-\uFFEF][A-Za-z0-9_.\-\u00B7\u00C0-\uFFEF]*(?::[A-Za-z_\u00C0-\uFFEF][A-Za-z0-9_.\-\u00B7\u00C0-\uFFEF]*)?/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The document's root element. Throws CAPTION_INVALID naming the line of the first problem. */
export function readXml(text: string, options: { maxDepth?: number } = {}): XmlElement {
  return new XmlReader(text, options.maxDepth ?? DEFAULT_MAX_XML_DEPTH).read();
}

interface Open {
  element: XmlElement;
  scope: Map<string, string>;
}

class XmlReader {
  private pos = 0;
  private readonly newlines: number[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.newlines.push(i);
  }

  read(): XmlElement {
    this.misc(true);
    if (this.pos >= this.text.length || this.text[this.pos] !== '<') this.fail('no root element');
    const root = this.element();
    this.misc(false);
    if (this.pos < this.text.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments, PIs (and, first, the XML declaration) outside the root. */
  private misc(prolog: boolean): void {
    for (;;) {
      this.skipSpace();
      if (this.at('<?')) this.skipPast('?>', 'processing instruction');
      else if (this.at('<!--')) this.skipPast('-->', 'comment');
      else if (this.at('<!')) this.refuseDeclaration();
      else if (this.pos < this.text.length && this.text[this.pos] !== '<') this.fail(prolog ? 'text before the root element' : 'text after the root element');
      else return;
    }
  }

  private element(): XmlElement {
    const stack: Open[] = [];
    let root: XmlElement | null = null;
    const rootScope = new Map([['xml', XML_NAMESPACE]]);
    while (root === null || stack.length > 0) {
      if (this.pos >= this.text.length) this.fail(`<${stack[stack.length - 1]!.element.name}> is not closed`);
      const top = stack[stack.length - 1];
      if (this.at('</')) {
        const line = this.line();
        this.pos += 2;
        const name = this.name();
        this.skipSpace();
        this.expect('>');
        if (!top || top.element.name !== name) this.fail(`</${name}> does not close <${top?.element.name ?? ''}>`, line);
        stack.pop();
      } else if (this.at('<!--')) this.skipPast('-->', 'comment');
      else if (this.at('<![CDATA[')) {
        const end = this.text.indexOf(']]>', this.pos + 9);
        if (end < 0) this.fail('CDATA section is not closed');
        this.addText(top, this.text.slice(this.pos + 9, end));
        this.pos = end + 3;
      } else if (this.at('<!')) this.refuseDeclaration();
      else if (this.at('<?')) this.skipPast('?>', 'processing instruction');
      else if (this.at('<')) {
        if (root !== null && !top) this.fail('a second root element');
        if (stack.length >= this.maxDepth) this.fail(`elements nested deeper than ${this.maxDepth}`);
        const { element, scope, empty } = this.startTag(top?.scope ?? rootScope);
        if (top) top.element.children.push(element);
        else root = element;
        if (!empty) stack.push({ element, scope });
      } else {
        const end = this.text.indexOf('<', this.pos);
        const raw = this.text.slice(this.pos, end < 0 ? this.text.length : end);
        const value = this.decode(raw);
        this.pos += raw.length;
        this.addText(top, value);
      }
    }
    return root as XmlElement;
  }

  private startTag(parentScope: Map<string, string>): { element: XmlElement; scope: Map<string, string>; empty: boolean } {
    const line = this.line();
    this.pos++;
    const name = this.name();
    const raw: Array<{ name: string; value: string }> = [];
    const names = new Set<string>();
    let empty = false;
    for (;;) {
      const spaced = this.skipSpace();
      if (this.at('/>')) {
        this.pos += 2;
        empty = true;
        break;
      }
      if (this.at('>')) {
        this.pos++;
        break;
      }
      if (!spaced) this.fail(`<${name}>: expected whitespace, ">" or "/>"`);
      const attrName = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.text[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`<${name}>: the value of ${attrName} is not quoted`);
      const end = this.text.indexOf(quote, this.pos + 1);
      if (end < 0) this.fail(`<${name}>: the value of ${attrName} is not closed`);
      const value = this.text.slice(this.pos + 1, end);
      if (value.includes('<')) this.fail(`<${name}>: "<" in the value of ${attrName}`);
      if (names.has(attrName)) this.fail(`<${name}>: ${attrName} appears twice`);
      names.add(attrName);
      raw.push({ name: attrName, value: this.decode(value).replace(/[\t\n\r]/g, ' ') });
      this.pos = end + 1;
    }
    let scope = parentScope;
    for (const a of raw) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        if (a.name === 'xmlns') scope.set('', a.value);
        else scope.set(a.name.slice(6), a.value);
      }
    }
    const resolve = (qname: string, isElement: boolean): { ns: string | null; local: string } => {
      const colon = qname.indexOf(':');
      if (colon < 0) return { ns: isElement ? scope.get('') || null : null, local: qname };
      const ns = scope.get(qname.slice(0, colon));
      if (!ns) this.fail(`the prefix of ${qname} is not bound to a namespace`, line);
      return { ns, local: qname.slice(colon + 1) };
    };
    const attrs: XmlAttribute[] = raw
      .filter((a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'))
      .map((a) => ({ ...resolve(a.name, false), name: a.name, value: a.value }));
    const seen = new Set<string>();
    for (const a of attrs) {
      const key = `${a.ns ?? ''} ${a.local}`;
      if (seen.has(key)) this.fail(`<${name}>: ${a.name} appears twice`, line);
      seen.add(key);
    }
    return { element: { kind: 'element', ...resolve(name, true), name, attrs, children: [], line }, scope, empty };
  }

  private addText(top: Open | undefined, text: string): void {
    if (!top) {
      if (text.trim() !== '') this.fail('text outside the root element');
      return;
    }
    if (!text) return;
    const children = top.element.children;
    const last = children[children.length - 1];
    if (last?.kind === 'text') last.text += text;
    else children.push({ kind: 'text', text });
  }

  /** Character and the five predefined entity references; anything else is refused. */
  private decode(raw: string): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&]{0,40});|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) this.fail('an "&" that is not a reference (write &amp;)');
      if (ref.startsWith('#')) {
        const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
        const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff));
        if (!allowed) this.fail(`${whole} is not a valid character reference`);
        return String.fromCodePoint(code);
      }
      const value = PREDEFINED[ref];
      if (value === undefined) this.fail(`the entity ${whole.slice(0, 44)} is not one of XML's predefined five (entities are not declared here)`);
      return value;
    });
  }

  private refuseDeclaration(): never {
    const what = /^<!([A-Za-z]*)/.exec(this.text.slice(this.pos, this.pos + 20))?.[1] ?? '';
    const line = this.line();
    throw captionError(
      'CAPTION_INVALID',
      `line ${line}: the XML has a <!${what}> declaration: DOCTYPEs and entity declarations are refused (no entity expansion, no external entities)`,
      { line, format: 'ttml', declaration: what },
    );
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  private skipSpace(): boolean {
    const from = this.pos;
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
    return this.pos > from;
  }

  private skipPast(end: string, what: string): void {
    const at = this.text.indexOf(end, this.pos + 2);
    if (at < 0) this.fail(`${what} is not closed`);
    this.pos = at + end.length;
  }

  private at(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  private expect(s: string): void {
    if (!this.at(s)) this.fail(`expected "${s}"`);
    this.pos += s.length;
  }

  private line(pos = this.pos): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private fail(why: string, line = this.line()): never {
    throw captionError('CAPTION_INVALID', `line ${line}: not well-formed XML: ${why}`, { line, format: 'ttml' });
  }
}

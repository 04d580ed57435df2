// Where a field sits in a JSON text: the line a problem's path (`rungs.1.name`) points at, so the
// editor can show it next to the text and put the cursor there. Pure, no DOM.

/** Character offset and 1-based line of the value at a dot path, as written in `text`. */
export interface JsonSpot {
  line: number;
  offset: number;
}

/**
 * The value at `path` (keys and array indexes joined by dots; '' is the whole document) in the
 * JSON `text`, or the nearest enclosing value that exists (a missing field points at its object).
 * Null when the text is not JSON.
 */
export function spotOfPath(text: string, path: string): JsonSpot | null {
  const want = path === '' ? [] : path.split('.');
  const spots = new Map<string, JsonSpot>();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new Error(`expected ${c} at ${i}`);
    i++;
  };
  const str = (): string => {
    const start = i;
    expect('"');
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    expect('"');
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (at: string[]): void => {
    ws();
    // Only the values on the way to the wanted path are recorded.
    if (at.every((k, j) => k === want[j])) spots.set(at.join('.'), { line, offset: i });
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        ws();
        expect(':');
        value([...at, key]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value([...at, String(n)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        return expect(']');
      }
    }
    if (c === '"') return void str();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`unexpected ${c ?? 'end'} at ${i}`);
    i += m[0].length;
  };
  try {
    value([]);
    ws();
    if (i !== text.length) return null;
  } catch {
    return null;
  }
  for (let n = want.length; n >= 0; n--) {
    const spot = spots.get(want.slice(0, n).join('.'));
    if (spot) return spot;
  }
  return null;
}

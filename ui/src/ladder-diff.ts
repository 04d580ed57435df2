// A field-level diff of two JSON values (two versions of a ladder template): one line per field
// that differs, with its path, the old value and the new one. Pure and free of DOM and imports,
// so that it runs the same in the browser and in a Node test.

export interface FieldChange {
  /** `gopSeconds`, `audio.stereo.bitrateKbps`, `rungs[1080p].rate.maxrateKbps`, `packaging.1`. */
  path: string;
  kind: 'changed' | 'added' | 'removed';
  /** Absent for an added field. */
  before?: unknown;
  /** Absent for a removed field. */
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The `name` of each element when every element is an object with a distinct string name; else null. */
function namesOf(list: unknown[]): string[] | null {
  const names: string[] = [];
  for (const x of list) {
    if (!isObject(x) || typeof x.name !== 'string') return null;
    names.push(x.name);
  }
  return new Set(names).size === names.length ? names : null;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * What changed from `before` to `after`, field by field, in document order. Objects are compared
 * key by key; arrays of named objects (rungs) are matched by name (`rungs[720p].…`, an added or
 * removed rung is one line, a new order is one `rungs (order)` line); other arrays by position.
 * A value whose type changes (null → object) is one line holding both whole values.
 */
export function diffJson(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (jsonEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const out: FieldChange[] = [];
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    for (const k of keys) {
      const has = [Object.hasOwn(before, k) && before[k] !== undefined, Object.hasOwn(after, k) && after[k] !== undefined];
      if (has[0] && !has[1]) out.push({ path: join(path, k), kind: 'removed', before: before[k] });
      else if (!has[0] && has[1]) out.push({ path: join(path, k), kind: 'added', after: after[k] });
      else if (has[0] && has[1]) out.push(...diffJson(before[k], after[k], join(path, k)));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const nb = namesOf(before);
    const na = namesOf(after);
    if (nb && na) {
      const out: FieldChange[] = [];
      const at = (name: string) => `${path}[${name}]`;
      for (const [i, name] of nb.entries()) {
        const j = na.indexOf(name);
        if (j < 0) out.push({ path: at(name), kind: 'removed', before: before[i] });
        else out.push(...diffJson(before[i], after[j], at(name)));
      }
      for (const [j, name] of na.entries()) if (!nb.includes(name)) out.push({ path: at(name), kind: 'added', after: after[j] });
      const kept = (names: string[], other: string[]) => names.filter((n) => other.includes(n));
      if (kept(nb, na).join('\u0000') !== kept(na, nb).join('\u0000')) out.push({ path: `${path} (order)`, kind: 'changed', before: nb, after: na });
      return out;
    }
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.push({ path: join(path, String(i)), kind: 'removed', before: before[i] });
      else if (i >= before.length) out.push({ path: join(path, String(i)), kind: 'added', after: after[i] });
      else out.push(...diffJson(before[i], after[i], join(path, String(i))));
    }
    return out;
  }
  return [{ path: path || '(value)', kind: 'changed', before, after }];
}

/** A value as one line of a diff table: strings quoted, objects as compact JSON, absent as an em dash. */
export function showValue(v: unknown): string {
  if (v === undefined) return '—';
  return JSON.stringify(v);
}

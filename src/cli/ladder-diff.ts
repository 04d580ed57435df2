/**
 * Field-level differences of two ladder template versions, for `mpegflow ladders diff`: pure,
 * over plain JSON. Objects are compared key by key; rungs (an array of objects with unique
 * `name`s) by rung name, so inserting one rung shows one addition, not every rung after it
 * shifted (`rungs[1080p].rate.bitrateKbps`), with a change of their order as `rungs (order)`;
 * any other array (packaging, languages, tracks) is one value. A field only one side has is
 * `undefined` on the other.
 */

export interface FieldChange {
  /** `gopSeconds`, `audio.surround`, `rungs[720p].rate.maxrateKbps`, `rungs[2160p]` (added or removed). */
  path: string;
  old: unknown;
  new: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => Object.hasOwn(a, k) === Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The names of an array whose every element is an object with a unique string `name`, else null. */
function namesOf(list: unknown[]): string[] | null {
  const names = list.map((v) => (isObject(v) && typeof v['name'] === 'string' ? v['name'] : null));
  if (names.some((n) => n === null)) return null;
  return new Set(names).size === names.length ? (names as string[]) : null;
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function walk(path: string, a: unknown, b: unknown, out: FieldChange[]): void {
  if (jsonEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const k of keys) walk(join(path, k), a[k], b[k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const an = namesOf(a);
    const bn = namesOf(b);
    if (an && bn && (a.length > 0 || b.length > 0)) {
      const byName = (list: unknown[], names: string[], name: string) => list[names.indexOf(name)];
      for (const name of an) walk(`${path}[${name}]`, byName(a, an, name), bn.includes(name) ? byName(b, bn, name) : undefined, out);
      for (const name of bn.filter((n) => !an.includes(n))) out.push({ path: `${path}[${name}]`, old: undefined, new: byName(b, bn, name) });
      const kept = an.filter((n) => bn.includes(n));
      const keptAfter = bn.filter((n) => an.includes(n));
      if (!jsonEqual(kept, keptAfter)) out.push({ path: `${path} (order)`, old: an, new: bn });
      return;
    }
  }
  out.push({ path: path || '(template)', old: a, new: b });
}

/** The differences from `a` to `b`, in the fields' order (`a`'s, then what only `b` has). */
export function ladderDiff(a: unknown, b: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk('', a, b, out);
  return out;
}

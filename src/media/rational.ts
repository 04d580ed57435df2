/** An exact ratio of two integers (frame rates, aspect ratios). `den` is always > 0. */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}

/** `num/den` in lowest terms; throws on a zero or non-integer denominator. */
export function rational(num: number, den: number): Rational {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den === 0) throw new RangeError(`not a rational: ${num}/${den}`);
  const sign = den < 0 ? -1 : 1;
  const g = gcd(num, den) || 1;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/** Parses ffprobe's "25/1", "30000/1001", "16:9"; null for "0/0", "0:1", "N/A", empty or malformed. */
export function parseRational(text: unknown): Rational | null {
  if (typeof text !== 'string') return null;
  const m = /^\s*(-?\d+)\s*[/:]\s*(\d+)\s*$/.exec(text);
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num === 0 || den === 0) return null;
  return rational(num, den);
}

export function toNumber(r: Rational): number {
  return r.num / r.den;
}

export function sameRational(a: Rational, b: Rational): boolean {
  return a.num * b.den === b.num * a.den;
}

/** "30000/1001" — the form ffmpeg options and filters take. */
export function formatRational(r: Rational, separator: '/' | ':' = '/'): string {
  return `${r.num}${separator}${r.den}`;
}

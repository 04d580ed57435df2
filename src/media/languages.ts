import { toBcp47 as tableBcp47 } from './language-codes.js';

/**
 * Language codes as the planner and the packages use them. Masters tag audio with ISO 639-2
 * (`eng`, `fre`/`fra`); HLS `LANGUAGE` and DASH `lang` take BCP 47, which uses the two-letter
 * ISO 639-1 code where one exists (the table is language-codes.ts); any other well-formed
 * code passes through unchanged.
 */
const NAMES: Readonly<Record<string, string>> = {
  ar: 'Arabic',
  bg: 'Bulgarian',
  ca: 'Catalan',
  cs: 'Czech',
  cy: 'Welsh',
  da: 'Danish',
  de: 'German',
  el: 'Greek',
  en: 'English',
  es: 'Spanish',
  et: 'Estonian',
  eu: 'Basque',
  fa: 'Persian',
  fi: 'Finnish',
  fr: 'French',
  ga: 'Irish',
  he: 'Hebrew',
  hi: 'Hindi',
  hr: 'Croatian',
  hu: 'Hungarian',
  id: 'Indonesian',
  it: 'Italian',
  ja: 'Japanese',
  ko: 'Korean',
  lt: 'Lithuanian',
  lv: 'Latvian',
  ms: 'Malay',
  nl: 'Dutch',
  no: 'Norwegian',
  nb: 'Norwegian Bokmål',
  pl: 'Polish',
  pt: 'Portuguese',
  ro: 'Romanian',
  ru: 'Russian',
  sk: 'Slovak',
  sl: 'Slovenian',
  sr: 'Serbian',
  sv: 'Swedish',
  ta: 'Tamil',
  th: 'Thai',
  tr: 'Turkish',
  uk: 'Ukrainian',
  vi: 'Vietnamese',
  zh: 'Chinese',
  is: 'Icelandic',
};

/** A language code as written in a tag or a template: 2–3 letters, optionally a BCP 47 region/script. */
export function isLanguageCode(code: string): boolean {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code);
}

/** BCP 47 for HLS/DASH: `eng` → `en`, `fre`/`fra` → `fr` (language-codes.ts); other well-formed codes pass through; null for none/`und`. */
export function toBcp47(code: string | null): string | null {
  if (!code) return null;
  const trimmed = code.trim();
  if (!isLanguageCode(trimmed)) return null;
  const base = (trimmed.split('-')[0] ?? '').toLowerCase();
  if (base === 'und' || base === 'mul' || base === 'zxx') return null;
  return tableBcp47(trimmed) ?? trimmed;
}

/** Two codes name the same language (`en` = `eng`, `fre` = `fra` = `fr`); region subtags must match when both have one. */
export function sameLanguage(a: string | null, b: string | null): boolean {
  const x = toBcp47(a);
  const y = toBcp47(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [xp, ...xr] = x.split('-');
  const [yp, ...yr] = y.split('-');
  return xp === yp && (xr.length === 0 || yr.length === 0);
}

/** A human name for a player's menu (`NAME` in HLS, `Label` in DASH): the language's English name, else the code. */
export function languageLabel(code: string | null): string | null {
  const bcp = toBcp47(code);
  if (!bcp) return null;
  return NAMES[bcp.split('-')[0] ?? ''] ?? bcp;
}

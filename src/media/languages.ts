/**
 * Language codes. Masters tag audio with ISO 639-2 (`eng`, `fre`/`fra`); HLS `LANGUAGE` and
 * DASH `lang` take BCP 47, which uses the two-letter ISO 639-1 code where one exists. The
 * table covers the languages broadcasters deliver most; any other well-formed code passes
 * through unchanged.
 */
const TABLE: ReadonlyArray<readonly [bcp47: string, iso6392b: string, iso6392t?: string]> = [
  ['ar', 'ara'],
  ['bg', 'bul'],
  ['ca', 'cat'],
  ['cs', 'cze', 'ces'],
  ['cy', 'wel', 'cym'],
  ['da', 'dan'],
  ['de', 'ger', 'deu'],
  ['el', 'gre', 'ell'],
  ['en', 'eng'],
  ['es', 'spa'],
  ['et', 'est'],
  ['eu', 'baq', 'eus'],
  ['fa', 'per', 'fas'],
  ['fi', 'fin'],
  ['fr', 'fre', 'fra'],
  ['ga', 'gle'],
  ['he', 'heb'],
  ['hi', 'hin'],
  ['hr', 'hrv'],
  ['hu', 'hun'],
  ['id', 'ind'],
  ['is', 'ice', 'isl'],
  ['it', 'ita'],
  ['ja', 'jpn'],
  ['ko', 'kor'],
  ['lt', 'lit'],
  ['lv', 'lav'],
  ['ms', 'may', 'msa'],
  ['nl', 'dut', 'nld'],
  ['no', 'nor'],
  ['nb', 'nob'],
  ['pl', 'pol'],
  ['pt', 'por'],
  ['ro', 'rum', 'ron'],
  ['ru', 'rus'],
  ['sk', 'slo', 'slk'],
  ['sl', 'slv'],
  ['sr', 'srp'],
  ['sv', 'swe'],
  ['ta', 'tam'],
  ['th', 'tha'],
  ['tr', 'tur'],
  ['uk', 'ukr'],
  ['vi', 'vie'],
  ['zh', 'chi', 'zho'],
];

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

const BY_CODE = new Map<string, string>();
for (const [two, b, t] of TABLE) {
  BY_CODE.set(two, two);
  BY_CODE.set(b, two);
  if (t) BY_CODE.set(t, two);
}

/** A language code as written in a tag or a template: 2–3 letters, optionally a BCP 47 region/script. */
export function isLanguageCode(code: string): boolean {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code);
}

/** BCP 47 for HLS/DASH: `eng` → `en`, `fre`/`fra` → `fr`; unknown well-formed codes pass through; null for none/`und`. */
export function toBcp47(code: string | null): string | null {
  if (!code) return null;
  const lower = code.trim();
  const [primary, ...rest] = lower.split('-');
  const base = (primary ?? '').toLowerCase();
  if (!isLanguageCode(lower) || base === 'und' || base === 'mul' || base === 'zxx') return null;
  const mapped = BY_CODE.get(base) ?? base;
  return [mapped, ...rest].join('-');
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

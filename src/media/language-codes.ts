/**
 * Language codes of caption tracks. HLS `LANGUAGE` and DASH `@lang` take BCP-47 (RFC 5646)
 * tags, whose primary subtag is the ISO 639-1 two-letter code where one exists — so
 * `toBcp47` is what the appliance writes into playlists and manifests. Some containers
 * (Matroska, older tools) want ISO 639-2/B three-letter codes: `toIso6392`. The table holds
 * the common subtitle languages; a code not in it is not guessed at.
 */

/** [ISO 639-1, ISO 639-2/B, ISO 639-2/T when it differs]. */
const LANGUAGES: ReadonlyArray<readonly [string, string, string?]> = [
  ['af', 'afr'],
  ['am', 'amh'],
  ['ar', 'ara'],
  ['az', 'aze'],
  ['be', 'bel'],
  ['bg', 'bul'],
  ['bn', 'ben'],
  ['bo', 'tib', 'bod'],
  ['bs', 'bos'],
  ['ca', 'cat'],
  ['cs', 'cze', 'ces'],
  ['cy', 'wel', 'cym'],
  ['da', 'dan'],
  ['de', 'ger', 'deu'],
  ['el', 'gre', 'ell'],
  ['en', 'eng'],
  ['eo', 'epo'],
  ['es', 'spa'],
  ['et', 'est'],
  ['eu', 'baq', 'eus'],
  ['fa', 'per', 'fas'],
  ['fi', 'fin'],
  ['fr', 'fre', 'fra'],
  ['ga', 'gle'],
  ['gl', 'glg'],
  ['gu', 'guj'],
  ['ha', 'hau'],
  ['he', 'heb'],
  ['hi', 'hin'],
  ['hr', 'hrv'],
  ['hu', 'hun'],
  ['hy', 'arm', 'hye'],
  ['id', 'ind'],
  ['ig', 'ibo'],
  ['is', 'ice', 'isl'],
  ['it', 'ita'],
  ['ja', 'jpn'],
  ['ka', 'geo', 'kat'],
  ['kk', 'kaz'],
  ['km', 'khm'],
  ['kn', 'kan'],
  ['ko', 'kor'],
  ['la', 'lat'],
  ['lb', 'ltz'],
  ['lo', 'lao'],
  ['lt', 'lit'],
  ['lv', 'lav'],
  ['mi', 'mao', 'mri'],
  ['mk', 'mac', 'mkd'],
  ['ml', 'mal'],
  ['mn', 'mon'],
  ['mr', 'mar'],
  ['ms', 'may', 'msa'],
  ['mt', 'mlt'],
  ['my', 'bur', 'mya'],
  ['nb', 'nob'],
  ['ne', 'nep'],
  ['nl', 'dut', 'nld'],
  ['nn', 'nno'],
  ['no', 'nor'],
  ['pa', 'pan'],
  ['pl', 'pol'],
  ['ps', 'pus'],
  ['pt', 'por'],
  ['ro', 'rum', 'ron'],
  ['ru', 'rus'],
  ['si', 'sin'],
  ['sk', 'slo', 'slk'],
  ['sl', 'slv'],
  ['so', 'som'],
  ['sq', 'alb', 'sqi'],
  ['sr', 'srp'],
  ['sv', 'swe'],
  ['sw', 'swa'],
  ['ta', 'tam'],
  ['te', 'tel'],
  ['th', 'tha'],
  ['tl', 'tgl'],
  ['tr', 'tur'],
  ['uk', 'ukr'],
  ['ur', 'urd'],
  ['uz', 'uzb'],
  ['vi', 'vie'],
  ['xh', 'xho'],
  ['yi', 'yid'],
  ['yo', 'yor'],
  ['zh', 'chi', 'zho'],
  ['zu', 'zul'],
];

/** Three-letter codes with no two-letter one that BCP-47 uses as they are. */
const THREE_LETTER_ONLY: readonly string[] = ['fil', 'yue', 'haw', 'und', 'mul', 'zxx'];

/** Withdrawn ISO 639-1 codes still found in file names. */
const DEPRECATED: Record<string, string> = { iw: 'he', in: 'id', ji: 'yi' };

const byCode = new Map<string, readonly [string, string, string?]>();
for (const entry of LANGUAGES) for (const code of entry) if (code) byCode.set(code, entry);

/**
 * A language code or BCP-47 tag (`en`, `eng`, `fre`, `fra`, `pt-br`, `zh_Hant`) as BCP-47:
 * the primary language two letters where ISO 639-1 has them, a region upper-case, a script
 * title-case. Null for a code the table does not know.
 */
export function toBcp47(code: string): string | null {
  const parts = code.trim().split(/[-_]/);
  const primary = primaryBcp47(parts[0]!.toLowerCase());
  if (!primary) return null;
  const rest: string[] = [];
  for (const sub of parts.slice(1)) {
    if (/^[A-Za-z]{2}$/.test(sub) || /^\d{3}$/.test(sub)) rest.push(sub.toUpperCase());
    else if (/^[A-Za-z]{4}$/.test(sub)) rest.push(sub[0]!.toUpperCase() + sub.slice(1).toLowerCase());
    else if (/^[A-Za-z0-9]{5,8}$|^\d[A-Za-z0-9]{3}$/.test(sub)) rest.push(sub.toLowerCase());
    else return null;
  }
  return [primary, ...rest].join('-');
}

function primaryBcp47(code: string): string | null {
  const canonical = DEPRECATED[code] ?? code;
  const entry = byCode.get(canonical);
  if (entry) return entry[0];
  return THREE_LETTER_ONLY.includes(canonical) ? canonical : null;
}

/** A language code or tag as ISO 639-2: the bibliographic (/B, default: `fre`, `ger`) or terminology (/T: `fra`, `deu`) form. Null when unknown. */
export function toIso6392(code: string, form: 'B' | 'T' = 'B'): string | null {
  const primary = code.trim().split(/[-_]/)[0]!.toLowerCase();
  const canonical = DEPRECATED[primary] ?? primary;
  const entry = byCode.get(canonical);
  if (entry) return form === 'T' ? (entry[2] ?? entry[1]) : entry[1];
  return THREE_LETTER_ONLY.includes(canonical) ? canonical : null;
}

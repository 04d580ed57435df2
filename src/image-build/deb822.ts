/** One deb822 paragraph: field name (as written) → value (continuation lines joined by "\n"). */
export type Deb822Paragraph = Map<string, string>;

/**
 * Parses deb822 text (apt .sources files, `apt-cache show` output, Release files)
 * into paragraphs. Comment lines (`#`) are ignored; blank lines separate paragraphs.
 */
export function parseDeb822(text: string): Deb822Paragraph[] {
  const paragraphs: Deb822Paragraph[] = [];
  let current: Deb822Paragraph | null = null;
  let lastField: string | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (current && current.size > 0) paragraphs.push(current);
      current = null;
      lastField = null;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && current && lastField) {
      current.set(lastField, `${current.get(lastField) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current ??= new Map();
    lastField = line.slice(0, colon).trim();
    current.set(lastField, line.slice(colon + 1).trim());
  }
  if (current && current.size > 0) paragraphs.push(current);
  return paragraphs;
}

/** A field looked up case-insensitively, as deb822 field names are. */
export function deb822Field(paragraph: Deb822Paragraph, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of paragraph) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

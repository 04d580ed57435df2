/**
 * The clock timestamps of WebVTT (`HH:MM:SS.mmm`, `MM:SS.mmm`) and SubRip (`HH:MM:SS,mmm`),
 * read leniently: one to three fraction digits (a decimal fraction), `.` or `,`, hours
 * optional, no fraction at all. Minutes and seconds must be under 60.
 */

const TIMESTAMP = /^(?:(\d{1,4}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/;

/** Milliseconds, or null when the text is not a timestamp. */
export function parseTimestampMs(text: string): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const hours = Number(m[1] ?? 0);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (minutes > 59 || seconds > 59) return null;
  const ms = Number((m[4] ?? '').padEnd(3, '0'));
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
}

/** `HH:MM:SS.mmm` (hours at least two digits), from seconds rounded to the millisecond. */
export function formatTimestamp(seconds: number, separator: '.' | ',' = '.'): string {
  const total = Math.round(seconds * 1000);
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3_600_000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(ms, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

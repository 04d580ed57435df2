/**
 * Why a path listed in a signed tree's manifest is unsafe, or null: relative posix, no
 * `..`/`.`/empty segments, no NUL or backslash. Each kind of tree adds its own reserved
 * names (its manifest and signature files).
 */
export function unsafeTreePath(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.startsWith('/')) return 'is absolute';
  if (/[\\\0]/.test(path)) return 'holds a backslash or NUL';
  const parts = path.split('/');
  if (parts.includes('..')) return 'holds ..';
  if (parts.some((p) => p === '' || p === '.')) return 'holds an empty or . segment';
  return null;
}

/** File mode as a manifest writes it: four octal digits, e.g. `0755`. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

import Database from 'better-sqlite3';
import { ApplianceError } from '../../errors/appliance-error.js';

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Maps a SQLite failure to a one-line, user-facing error. */
export function storeError(path: string, err: unknown): ApplianceError {
  const code = sqliteCode(err);
  const why = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code?.startsWith('SQLITE_CORRUPT')) {
    return new ApplianceError('STORE_CORRUPT', `database ${path} is corrupt or not a SQLite database (${why}); restore it from <data>/backups/`, {
      cause: err,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new ApplianceError('STORE_UNAVAILABLE', `database ${path} cannot be opened for writing (${why})`, { cause: err });
  }
  if (code === 'SQLITE_BUSY') {
    return new ApplianceError('STORE_BUSY', `database ${path} is locked by another process (${why})`, { cause: err });
  }
  return new ApplianceError('STORE_UNAVAILABLE', `database ${path}: ${why}`, { cause: err });
}

/**
 * Opens the database file with the durability the audit trail needs: WAL, and
 * synchronous=FULL so an acknowledged event survives power loss.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // Touch the file: a file that is not a database fails here, before any change.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    }
    return db;
  } catch (err) {
    db?.close();
    throw storeError(path, err);
  }
}

import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { join } from 'node:path';
import { packageRoot } from '../../config/package-root.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import { storeError } from './open-database.js';

export const sqliteMigrationsFolder = join(packageRoot, 'src', 'store', 'migrations', 'sqlite');

export interface MigrationReport {
  applied: number;
  schemaVersion: number;
}

/**
 * Applies the committed migrations in one transaction. Refuses a database written by a
 * newer appliance (a migration this build does not know), and one whose applied
 * migration differs from ours.
 */
export function migrateSqlite(path: string, raw: Database.Database, db: BetterSQLite3Database<Record<string, unknown>>): MigrationReport {
  const ours = readMigrationFiles({ migrationsFolder: sqliteMigrationsFolder });
  const hasTable = raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get() !== undefined;
  const applied = hasTable
    ? (raw.prepare('SELECT hash, created_at AS createdAt FROM __drizzle_migrations ORDER BY created_at').all() as { hash: string; createdAt: number }[])
    : [];
  const known = new Map(ours.map((m) => [m.folderMillis, m.hash]));
  for (const a of applied) {
    const hash = known.get(Number(a.createdAt));
    if (hash === undefined) {
      throw new ApplianceError(
        'STORE_NEWER_SCHEMA',
        `database ${path} was migrated by a newer appliance (schema ${applied.length} > ${ours.length}); refusing to open it with this version`,
      );
    }
    if (hash !== a.hash) {
      throw new ApplianceError('STORE_SCHEMA_MISMATCH', `database ${path} has a migration that differs from this build's; refusing to open it`);
    }
  }
  try {
    migrate(db as BetterSQLite3Database, { migrationsFolder: sqliteMigrationsFolder });
  } catch (err) {
    throw storeError(path, err);
  }
  return { applied: ours.length - applied.length, schemaVersion: ours.length };
}

import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { join } from 'node:path';
import type pg from 'pg';
import { packageRoot } from '../../config/package-root.js';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { MigrationReport } from '../sqlite/migrate.js';
import { advisoryLocks } from './advisory-locks.js';
import { describeUrl } from './pg-errors.js';

export const postgresMigrationsFolder = join(packageRoot, 'src', 'store', 'migrations', 'postgres');

async function appliedMigrations(client: pg.PoolClient): Promise<{ hash: string; createdAt: number }[]> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return [];
  const rows = await client.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at');
  return rows.rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));
}

/**
 * Applies the committed PostgreSQL migrations in one transaction, under a session advisory
 * lock so that nodes starting together migrate once. The same rules as SQLite: a schema
 * written by a newer appliance, or one whose applied migration differs from ours, is refused
 * untouched; nothing pending means nothing is run (a role without CREATE can start).
 */
export async function migratePostgres(url: string, client: pg.PoolClient): Promise<MigrationReport> {
  const ours = readMigrationFiles({ migrationsFolder: postgresMigrationsFolder });
  await client.query('SELECT pg_advisory_lock($1)', [advisoryLocks.migrate]);
  try {
    const applied = await appliedMigrations(client);
    const known = new Map(ours.map((m) => [m.folderMillis, m.hash]));
    for (const a of applied) {
      const hash = known.get(a.createdAt);
      if (hash === undefined) {
        throw new ApplianceError(
          'STORE_NEWER_SCHEMA',
          `PostgreSQL database ${describeUrl(url)} was migrated by a newer appliance (schema ${applied.length} > ${ours.length}); refusing to open it with this version`,
        );
      }
      if (hash !== a.hash) {
        throw new ApplianceError(
          'STORE_SCHEMA_MISMATCH',
          `PostgreSQL database ${describeUrl(url)} has a migration that differs from this build's; refusing to open it`,
        );
      }
    }
    if (applied.length < ours.length) await migrate(drizzle({ client }), { migrationsFolder: postgresMigrationsFolder });
    return { applied: ours.length - applied.length, schemaVersion: ours.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [advisoryLocks.migrate]);
  }
}

// install.sh step 7: refuses to install over a database this bundle cannot open, before
// anything changes. Usage: node schema-check.mjs <bundle app dir> <mpegflow.db>
// Reads the bundle's migration journal and the database's applied migrations (read-only);
// exit 1 with one line when the database holds a migration this bundle does not know.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [appDir, dbPath] = process.argv.slice(2);
const journal = JSON.parse(readFileSync(join(appDir, 'src/store/migrations/sqlite/meta/_journal.json'), 'utf8'));
const known = new Set(journal.entries.map((e) => Number(e.when)));
const Database = createRequire(join(appDir, 'package.json'))('better-sqlite3');
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
try {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  const applied = table ? db.prepare('SELECT created_at AS createdAt FROM __drizzle_migrations').all() : [];
  const unknown = applied.filter((a) => !known.has(Number(a.createdAt)));
  if (unknown.length > 0) {
    console.log(
      `${dbPath} was migrated by a newer version (${unknown.length} migration(s) this bundle does not know): installing it would be a schema downgrade (STORE_NEWER_SCHEMA)`,
    );
    process.exit(1);
  }
} finally {
  db.close();
}

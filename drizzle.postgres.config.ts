import { defineConfig } from 'drizzle-kit';

// Generates the committed PostgreSQL migrations from its schema: npx drizzle-kit generate --config drizzle.postgres.config.ts
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './src/store/migrations/postgres',
});

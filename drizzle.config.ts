import { defineConfig } from 'drizzle-kit';

// Generates the committed SQL migrations from the schema: npx drizzle-kit generate
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/sqlite/schema.ts',
  out: './src/store/migrations/sqlite',
});

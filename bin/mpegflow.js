#!/usr/bin/env node
// The `mpegflow` command. The TypeScript is compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('mpegflow: not built yet: run `npm install` (it compiles the TypeScript) or `npm run build`');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));

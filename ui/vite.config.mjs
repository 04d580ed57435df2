// Builds the operator UI into ui/dist/ (run by `npm install` through the `prepare` script).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // hls.js and dash.js are large and load only on a job page with outputs.
    chunkSizeWarningLimit: 1500,
    modulePreload: { polyfill: false },
  },
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Hono } from 'hono';
import { packageRoot } from '../../config/package-root.js';
import type { HttpEnv } from '../http-env.js';

/** Where `npm install` (the `prepare` script: `vite build`) puts the UI. */
export const uiDistDir = join(packageRoot, 'ui', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Everything the page may load comes from this appliance: scripts, styles, media (hls.js and
 * dash.js feed Media Source blobs), workers (hls.js' blob worker) and XHR/WebSocket.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/**
 * The operator UI: the static files built into `ui/dist/` (never built at request time).
 * `/` is the single page (hash routes: `#/jobs`, `#/jobs/ID`, …), `/assets/*` its hashed files.
 */
export function uiRoutes(dist: string = uiDistDir) {
  const files = new Map<string, string>();
  if (existsSync(dist)) for (const f of listFiles(dist)) files.set(`/${relative(dist, f).split('\\').join('/')}`, f);
  const app = new Hono<HttpEnv>();
  const serve = (urlPath: string, immutable: boolean) => {
    const file = files.get(urlPath);
    if (!file) return undefined;
    return new Response(readFileSync(file), {
      headers: {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      },
    });
  };
  app.get(
    '/',
    (c) => serve('/index.html', false) ?? c.text('The operator UI is not built: run `npm install` (or `npm run build:ui`) in the appliance folder.', 503),
  );
  app.get('/assets/*', (c, next) => serve(c.req.path, true) ?? next());
  return app;
}

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NodeRuntime } from './node-runtime.js';
import { run } from './run.js';

/** What of the source tree the installed appliance reads at run time (relative to the package root). */
const APP_PATHS = [
  'package.json',
  'package-lock.json',
  'bin',
  'dist/src',
  'dist/appliance',
  'src/store/migrations',
  'images/README.md',
  'images/keys',
  'images/recipes',
  'images/components',
  'ui/dist',
];

/** Copies the compiled appliance into `appDir` (no tests, benches, TypeScript sources or source maps). */
export function stageAppFiles(root: string, appDir: string): void {
  for (const rel of APP_PATHS) {
    const from = join(root, rel);
    if (!existsSync(from)) {
      throw new Error(`${rel} is missing: run npm run build first (npm install builds the UI into ui/dist)`);
    }
    mkdirSync(dirname(join(appDir, rel)), { recursive: true });
    cpSync(from, join(appDir, rel), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.tsbuildinfo') });
  }
}

/**
 * Production node_modules (no dev dependencies) with better-sqlite3 compiled for the
 * bundled Node: `npm ci --omit=dev --ignore-scripts`, then `npm rebuild better-sqlite3`
 * run by that Node with `npm_config_nodedir` at its headers (no header download) and
 * from source (no prebuilt download). Cached under `cacheDir`, keyed by the lock file and
 * the Node version; build intermediates are dropped so only the .node module remains.
 */
export function productionNodeModules(root: string, cacheDir: string, node: NodeRuntime, log: (line: string) => void): string {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(readFileSync(join(root, 'package.json')))
    .update(node.version)
    .digest('hex')
    .slice(0, 16);
  const done = join(cacheDir, `node-modules-${key}`);
  if (existsSync(join(done, 'node_modules'))) return join(done, 'node_modules');
  const work = `${done}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(root, 'package.json'), join(work, 'package.json'));
  cpSync(join(root, 'package-lock.json'), join(work, 'package-lock.json'));
  const started = Date.now();
  log(`npm ci --omit=dev (production dependencies)`);
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: work });
  log(`better-sqlite3: compiling for Node ${node.version} (npm_config_nodedir=${node.dir})`);
  // The host's npm (a script), run by the bundled Node so node-gyp targets that Node.
  const npmCli = join(
    dirname(run('node', ['-p', 'require.resolve("npm/package.json", { paths: [require("path").join(process.execPath, "../../lib/node_modules")] })']).trim()),
    'bin',
    'npm-cli.js',
  );
  run(join(node.dir, 'bin', 'node'), [npmCli, 'rebuild', 'better-sqlite3', '--build-from-source', '--foreground-scripts'], {
    cwd: work,
    env: { ...process.env, PATH: `${join(node.dir, 'bin')}:${process.env.PATH ?? ''}`, npm_config_nodedir: node.dir, npm_config_build_from_source: 'true' },
  });
  const build = join(work, 'node_modules', 'better-sqlite3', 'build');
  for (const name of readdirSync(build)) if (name !== 'Release') rmSync(join(build, name), { recursive: true, force: true });
  for (const name of readdirSync(join(build, 'Release')))
    if (name !== 'better_sqlite3.node') rmSync(join(build, 'Release', name), { recursive: true, force: true });
  run(join(node.dir, 'bin', 'node'), ['-e', "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get()"], { cwd: work });
  log(`production node_modules ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  rmSync(done, { recursive: true, force: true });
  renameSync(work, done);
  return join(done, 'node_modules');
}

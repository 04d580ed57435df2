#!/usr/bin/env node
import { buildHostFromEnv, type BuildHost } from '../config/build-host.js';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isApplianceError, messageOf } from '../errors/appliance-error.js';
import { buildImage, defaultDebCacheDir } from './build-image.js';
import { resolveLock } from './resolve-lock.js';
import { defaultLockPath } from './recipe.js';

const USAGE = `usage:
  node dist/src/image-build/cli.js lock [LOCK]               resolve trixie's ffmpeg closure, write LOCK (default ${defaultLockPath})
  node dist/src/image-build/cli.js build OUTDIR [--lock LOCK] [--cache DIR]
                                                                      build the image from the lock (cache default ${defaultDebCacheDir()})
mirror: MPEGFLOW_DEBIAN_MIRROR, else the host's /etc/apt sources; keyring: MPEGFLOW_DEBIAN_KEYRING`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  args.splice(at, 2);
  return value;
}

export async function main(argv: readonly string[], host: BuildHost): Promise<number> {
  const args = [...argv];
  const command = args.shift();
  const progress = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  if (command === 'lock') {
    const lockPath = resolve(args[0] ?? defaultLockPath);
    const started = Date.now();
    const lock = await resolveLock({ host, lockPath });
    const bytes = lock.packages.reduce((sum, p) => sum + p.size, 0);
    progress(
      `${lockPath}: ${lock.packages.length} packages, ${(bytes / 2 ** 20).toFixed(1)} MiB, Debian ${lock.release.version} (${((Date.now() - started) / 1000).toFixed(1)}s)`,
    );
    return 0;
  }
  if (command === 'build') {
    const lockPath = option(args, '--lock');
    const cacheDir = option(args, '--cache');
    const outDir = args[0];
    if (!outDir || args.length > 1) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const result = await buildImage({
      host,
      outDir,
      onProgress: progress,
      ...(lockPath ? { lockPath: resolve(lockPath) } : {}),
      ...(cacheDir ? { cacheDir: resolve(cacheDir) } : {}),
    });
    const s = result.stats;
    progress(
      `ffmpeg ${result.manifest.ffmpeg.version}: ${s.files} files, ${(s.imageBytes / 2 ** 20).toFixed(1)} MiB from ${result.manifest.source.packages.length}/${s.packages} packages; ` +
        `downloaded ${s.downloaded} (${(s.downloadedBytes / 2 ** 20).toFixed(1)} MiB); fetch+unpack ${(s.ms.fetchAndUnpack / 1000).toFixed(1)}s, prune+hash ${(s.ms.prune / 1000).toFixed(1)}s, total ${(s.ms.total / 1000).toFixed(1)}s`,
    );
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), buildHostFromEnv(process.env)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${isApplianceError(err) ? `${err.code}: ` : ''}${messageOf(err)}\n`);
      process.exitCode = 1;
    },
  );
}

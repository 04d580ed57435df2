import type { BuildHost } from '../config/build-host.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { openAptSandbox } from './apt-sandbox.js';
import { deb822Field, parseDeb822 } from './deb822.js';
import { findDebianMirror } from './host-mirror.js';
import { validateLock, writeLock, type DebianLock, type LockedPackage } from './lock.js';
import { defaultLockPath, RECIPE_ARCH, RECIPE_ROOT_PACKAGES, RECIPE_SUITE } from './recipe.js';
import { stderrTail } from './run-tool.js';

export interface ResolveLockOptions {
  /** Mirror, keyring, tool PATH (the config's `buildHost`). */
  host: BuildHost;
  /** Mirror root URL; default the host's (MPEGFLOW_DEBIAN_MIRROR or its apt sources). */
  mirror?: string;
  /** Where to write the lock; default images/recipes/debian-ffmpeg-7.1/lock.json. `null` to not write it. */
  lockPath?: string | null;
  suite?: string;
  arch?: string;
  roots?: readonly string[];
}

/** `Inst name (version …)` lines of `apt-get -s install`: name → version. */
export function parseSimulatedInstalls(stdout: string): Map<string, string> {
  const installs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /.exec(line);
    if (match?.[1] && match[2]) installs.set(match[1].replace(/:amd64$/, ''), match[2]);
  }
  return installs;
}

/** The lock entries for `name=version` records of `apt-cache show`. */
export function lockedPackagesFromShow(stdout: string, wanted: ReadonlyMap<string, string>): LockedPackage[] {
  const found = new Map<string, LockedPackage>();
  for (const paragraph of parseDeb822(stdout)) {
    const name = deb822Field(paragraph, 'Package');
    const version = deb822Field(paragraph, 'Version');
    if (!name || !version || wanted.get(name) !== version || found.has(name)) continue;
    const size = Number(deb822Field(paragraph, 'Size'));
    const sha256 = deb822Field(paragraph, 'SHA256') ?? '';
    const filename = deb822Field(paragraph, 'Filename') ?? '';
    found.set(name, { name, version, size, sha256, filename });
  }
  const missing = [...wanted.keys()].filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new ApplianceError('IMAGE_LOCK_FAILED', `apt-cache show gave no record for ${missing.join(', ')}`);
  }
  return [...found.values()];
}

/**
 * Resolves the full dependency closure (Depends + Pre-Depends, no Recommends) of the
 * recipe's root packages from an empty dpkg status in a private, signature-verifying
 * apt sandbox, and writes the sorted lock. The sha256 of each .deb comes from the
 * Packages index whose hash is in the verified InRelease.
 */
export async function resolveLock(options: ResolveLockOptions): Promise<DebianLock> {
  const mirror = options.mirror ?? findDebianMirror(options.host.debianMirror);
  const suite = options.suite ?? RECIPE_SUITE;
  const arch = options.arch ?? RECIPE_ARCH;
  const roots = [...(options.roots ?? RECIPE_ROOT_PACKAGES)];
  const sandbox = await openAptSandbox({ mirror, suite, arch, host: options.host });
  try {
    const simulated = await sandbox.run('apt-get', ['-s', '-q', '--no-install-recommends', 'install', ...roots]);
    if (simulated.code !== 0) {
      throw new ApplianceError('IMAGE_LOCK_FAILED', `cannot resolve ${roots.join(' ')} in ${suite}: ${stderrTail(simulated)}`);
    }
    const installs = parseSimulatedInstalls(simulated.stdout);
    for (const root of roots) {
      if (!installs.has(root)) throw new ApplianceError('IMAGE_LOCK_FAILED', `${root} is not in the resolved closure`);
    }
    const show = await sandbox.run('apt-cache', ['show', ...[...installs].map(([name, version]) => `${name}=${version}`)]);
    if (show.code !== 0) throw new ApplianceError('IMAGE_LOCK_FAILED', `apt-cache show failed: ${stderrTail(show)}`);
    const inRelease = await sandbox.readInRelease();
    const lock: DebianLock = validateLock(
      {
        schema: 'mpegflow.debian-lock/1',
        suite,
        arch,
        roots: [...roots].sort(),
        release: {
          version: /^Version: *(.+)$/m.exec(inRelease)?.[1]?.trim() ?? '',
          date: /^Date: *(.+)$/m.exec(inRelease)?.[1]?.trim() ?? '',
        },
        packages: lockedPackagesFromShow(show.stdout, installs).sort((a, b) => (a.name < b.name ? -1 : 1)),
      },
      'resolved lock',
    );
    const lockPath = options.lockPath === undefined ? defaultLockPath : options.lockPath;
    if (lockPath !== null) await writeLock(lockPath, lock);
    return lock;
  } finally {
    await sandbox.dispose();
  }
}

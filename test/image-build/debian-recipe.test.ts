import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { buildImage, type BuildImageResult } from '../../src/image-build/build-image.js';
import { fetchVerifiedDeb } from '../../src/image-build/deb-cache.js';
import { parseFfmpegVersion, runImageBinary } from '../../src/image-build/ffmpeg-version.js';
import { sha256File } from '../../src/hashing/file-sha256.js';
import { findDebianMirror, parseDeb822Sources, parseSourcesList } from '../../src/image-build/host-mirror.js';
import { assertImageSelfContained, inspectImageLoads } from '../../src/image-build/image-check.js';
import { parseLoaderList } from '../../src/image-build/loader-list.js';
import { formatLock, readLock, validateLock } from '../../src/image-build/lock.js';
import { formatManifest, type DebianImageManifest } from '../../src/images/encoder-image-manifest.js';
import { defaultLockPath } from '../../src/image-build/recipe.js';
import { parseSimulatedInstalls } from '../../src/image-build/resolve-lock.js';
import { runTool } from '../../src/image-build/run-tool.js';
import { buildHostFromEnv } from '../../src/config/build-host.js';

const cacheDir = join(tmpdir(), 'mpegflow-deb-cache');
let workDir = '';
let mirror = '';
let first: BuildImageResult | null = null;
let imageDir = ''; // the first image, moved after the build to prove it is relocatable

/** Builds from the committed lock; a mirror problem fails with a message that says so (never a skip). */
async function build(outDir: string): Promise<BuildImageResult> {
  try {
    return await buildImage({ host: buildHostFromEnv(process.env), lockPath: defaultLockPath, outDir, cacheDir, mirror });
  } catch (err) {
    if (isApplianceError(err) && (err.code === 'DEBIAN_MIRROR_UNREACHABLE' || err.code === 'DEBIAN_PACKAGE_MISSING')) {
      const where = process.env['CI'] === 'true' ? 'CI=true: the Debian mirror is required' : 'the Debian mirror is needed for this test';
      throw new Error(`${where} (${mirror}, cache ${cacheDir}): ${err.code}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

async function firstImage(): Promise<{ result: BuildImageResult; dir: string }> {
  if (!first) {
    const built = await build(join(workDir, 'built-a'));
    imageDir = join(workDir, 'moved', 'image-a');
    await mkdir(join(workDir, 'moved'));
    await rename(built.outDir, imageDir);
    first = built;
  }
  return { result: first, dir: imageDir };
}

async function walkFiles(root: string, dir = root): Promise<Array<{ path: string; kind: 'file' | 'other' }>> {
  const found: Array<{ path: string; kind: 'file' | 'other' }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walkFiles(root, full)));
    else found.push({ path: relative(root, full).split('\\').join('/'), kind: entry.isFile() ? 'file' : 'other' });
  }
  return found;
}

test.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mpegflow-recipe-test-'));
  mirror = findDebianMirror(buildHostFromEnv(process.env).debianMirror);
});

test.after(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// ---- pure parsing -------------------------------------------------------------------------

test('host apt sources: deb822 and one-line forms, env override', async () => {
  const deb822 = parseDeb822Sources(
    'Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n' +
      'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n',
  );
  assert.equal(deb822, [
    { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'] },
    { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'] },
  ]);
  assert.equal(parseSourcesList('deb [signed-by=/k.gpg] http://m.example/debian bookworm main\n# deb http://x y z\n'), [
    { uri: 'http://m.example/debian', suites: ['bookworm'] },
  ]);
  const etc = join(workDir, 'etc-apt');
  await mkdir(join(etc, 'sources.list.d'), { recursive: true });
  await writeFile(
    join(etc, 'sources.list.d', 'a.sources'),
    'Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://m.example/debian/\nSuites: bookworm\n',
  );
  assert.is(findDebianMirror(null, etc), 'http://m.example/debian');
  assert.is(
    findDebianMirror(buildHostFromEnv({ MPEGFLOW_DEBIAN_MIRROR: 'http://snap.example/archive/debian/20250101T000000Z/' }).debianMirror, etc),
    'http://snap.example/archive/debian/20250101T000000Z',
  );
});

test('apt simulation and ld.so listing parsers', () => {
  const installs = parseSimulatedInstalls(
    'NOTE: x\nInst libc6 (2.41-12 Debian:13.8/stable [amd64]) []\nInst ffmpeg (7:7.1.5-0+deb13u1 Debian:13.8/stable [amd64])\nConf ffmpeg (7:7.1.5)\n',
  );
  assert.equal(
    [...installs],
    [
      ['libc6', '2.41-12'],
      ['ffmpeg', '7:7.1.5-0+deb13u1'],
    ],
  );
  const objects = parseLoaderList(
    '\tlinux-vdso.so.1 (0x00007ffd1)\n\tlibblas.so.3 => not found\n\tlibc.so.6 => /img/lib/libc.so.6 (0x00007f01)\n\t/lib64/ld-linux-x86-64.so.2 => /img/lib/ld-linux-x86-64.so.2 (0x00007f02)\n',
  );
  assert.equal(objects, [
    { name: 'libblas.so.3', path: null, interpreter: false },
    { name: 'libc.so.6', path: '/img/lib/libc.so.6', interpreter: false },
    { name: '/lib64/ld-linux-x86-64.so.2', path: '/img/lib/ld-linux-x86-64.so.2', interpreter: true },
  ]);
  assert.equal(
    parseFfmpegVersion('ffmpeg version 7.1.5-0+deb13u1 Copyright (c) 2000-2026\nbuilt with gcc\nconfiguration: --prefix=/usr --enable-gpl\nlibavutil 59\n'),
    {
      version: '7.1.5-0+deb13u1',
      configuration: '--prefix=/usr --enable-gpl',
    },
  );
});

test('committed lock is valid, canonical and rejects unsafe pool paths', async () => {
  const lock = await readLock(defaultLockPath);
  assert.is(lock.suite, 'trixie');
  assert.is(lock.arch, 'amd64');
  assert.ok(
    lock.packages.some((p) => p.name === 'ffmpeg' && p.version.includes(':7.1.')),
    'lock pins ffmpeg 7.1',
  );
  assert.ok(lock.packages.length > 150, `closure has ${lock.packages.length} packages`);
  assert.is(formatLock(lock), await readFile(defaultLockPath, 'utf8'), 'lock.json is in canonical form');
  const bad = JSON.parse(JSON.stringify(lock)) as { packages: Array<{ filename: string }> };
  (bad.packages[0] as { filename: string }).filename = 'pool/../../etc/passwd.deb';
  assert.throws(() => validateLock(bad), /bad pool filename/);
});

// ---- the .deb cache -----------------------------------------------------------------------

test('a corrupted cached .deb is fetched again; a wrong lock hash is PACKAGE_HASH_MISMATCH', async () => {
  const lock = await readLock(defaultLockPath);
  const smallest = [...lock.packages].sort((a, b) => a.size - b.size)[0];
  assert.ok(smallest);
  const cache = join(workDir, 'deb-cache');
  await mkdir(cache);
  const path = join(cache, smallest.filename.split('/').pop() as string);
  await writeFile(path, 'not a deb');
  let fetched;
  try {
    fetched = await fetchVerifiedDeb(smallest, { mirror, cacheDir: cache });
  } catch (err) {
    throw new Error(`the Debian mirror ${mirror} is needed for this test${process.env['CI'] === 'true' ? ' (CI=true)' : ''}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  assert.is(fetched.downloaded, true);
  assert.is((await sha256File(path)).sha256, smallest.sha256);
  assert.is((await fetchVerifiedDeb(smallest, { mirror, cacheDir: cache })).downloaded, false, 'verified cached copy reused');

  const tampered = { ...smallest, sha256: '0'.repeat(64) };
  await rm(path);
  try {
    await fetchVerifiedDeb(tampered, { mirror, cacheDir: cache });
    assert.unreachable('hash mismatch accepted');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'PACKAGE_HASH_MISMATCH', `got ${(err as Error).message}`);
  }
  assert.equal(await readdir(cache), [], 'nothing unverified left in the cache');
});

// ---- the image ----------------------------------------------------------------------------

test('ffmpeg and ffprobe run relocated and report 7.1', async () => {
  const { result, dir } = await firstImage();
  const manifest = result.manifest;
  for (const binary of ['ffmpeg', 'ffprobe'] as const) {
    const run = await runImageBinary(dir, manifest.run, binary, ['-version']);
    assert.is(run.code, 0, `${binary} -version: ${run.stderr}`);
    const parsed = parseFfmpegVersion(run.stdout);
    assert.ok(parsed, `${binary} -version output parsed`);
    assert.match(parsed.version, /^7\.1\./);
    assert.is(parsed.version, manifest.ffmpeg.version);
    assert.is(parsed.configuration, manifest.ffmpeg.configuration);
  }
  const encode = await runImageBinary(dir, manifest.run, 'ffmpeg', [
    '-hide_banner',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x120:rate=10',
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-f',
    'null',
    '-',
  ]);
  assert.is(encode.code, 0, `relocated encode: ${encode.stderr.slice(-500)}`);
});

test('nothing resolves outside the image (and leaks are caught)', async () => {
  const { result, dir } = await firstImage();
  const run = result.manifest.run;
  const reports = await inspectImageLoads(dir, run);
  for (const report of reports) {
    assert.equal(report.outside, [], `${report.binary} loads from outside the image`);
    assert.ok(report.objects.length > 100, `${report.binary} loads ${report.objects.length} objects`);
    for (const object of report.objects) assert.ok(object.path?.startsWith(`${dir}/`), `${object.name} => ${object.path}`);
  }
  for (const folder of ['lib/pulseaudio', 'lib/blas', 'lib/lapack']) assert.ok(run.libraryPath.includes(folder), `libraryPath has ${folder}`);

  // Without blas/ on the path, libblas.so.3 is missing (or, on a host with libblas3, the host's): a leak.
  const noBlas = { ...run, libraryPath: run.libraryPath.filter((d) => d !== 'lib/blas') };
  try {
    await assertImageSelfContained(dir, noBlas);
    assert.unreachable('missing blas/ accepted');
  } catch (err) {
    assert.ok(isApplianceError(err) && err.code === 'IMAGE_LIBRARY_LEAK' && /libblas\.so\.3/.test(err.message), (err as Error).message);
  }
  // A library served from a folder outside the image is a leak too.
  const outside = join(workDir, 'outside-blas');
  await mkdir(outside);
  await copyFile(join(dir, 'lib/blas/libblas.so.3'), join(outside, 'libblas.so.3'));
  const viaOutside = { ...noBlas, libraryPath: [...noBlas.libraryPath, relative(dir, outside)] };
  const leaked = (await inspectImageLoads(dir, viaOutside)).flatMap((r) => r.outside.map((o) => o.path));
  assert.ok(leaked.includes(join(outside, 'libblas.so.3')), `outside library reported: ${leaked.join(', ')}`);
});

test('manifest: canonical shape, every file listed with matching sha256, no symlinks', async () => {
  const { result, dir } = await firstImage();
  const text = await readFile(join(dir, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(text) as DebianImageManifest;
  assert.is(formatManifest(manifest), text, 'manifest.json is canonical');
  assert.equal(Object.keys(manifest), ['schema', 'name', 'ffmpeg', 'run', 'source', 'files']);
  assert.is(manifest.schema, 'mpegflow.encoder-image/1');
  assert.is(manifest.name, 'debian-ffmpeg-7.1');
  assert.equal(manifest, result.manifest);
  assert.is(manifest.run.loader, 'lib/ld-linux-x86-64.so.2');
  assert.equal(manifest.run.binaries, { ffmpeg: 'bin/ffmpeg', ffprobe: 'bin/ffprobe' });
  assert.is(manifest.run.libraryPath[0], 'lib');

  const onDisk = await walkFiles(dir);
  assert.equal(
    onDisk.filter((f) => f.kind !== 'file'),
    [],
    'only regular files in the image',
  );
  const paths = onDisk
    .map((f) => f.path)
    .filter((p) => p !== 'manifest.json')
    .sort();
  assert.equal(
    manifest.files.map((f) => f.path),
    paths,
    'files sorted by path, one entry per file',
  );
  for (const file of manifest.files) {
    assert.not.ok(file.path.split('/').includes('..') || file.path.startsWith('/'), file.path);
    const got = await sha256File(join(dir, file.path));
    assert.is(got.sha256, file.sha256, `${file.path} sha256`);
    assert.is(got.size, file.size, `${file.path} size`);
    assert.is(((await lstat(join(dir, file.path))).mode & 0o777).toString(8).padStart(4, '0'), file.mode, `${file.path} mode`);
  }
  const lock = await readLock(defaultLockPath);
  const locked = new Map(lock.packages.map((p) => [p.name, p]));
  assert.ok(manifest.source.packages.length > 50 && manifest.source.packages.length < lock.packages.length);
  for (const pkg of manifest.source.packages) assert.equal(pkg, locked.get(pkg.name), `${pkg.name} as locked`);
  assert.ok(manifest.source.packages.some((p) => p.name === 'libc6'));
  assert.not.ok(
    manifest.source.packages.some((p) => p.name === 'debconf'),
    'packages that contributed nothing are not listed',
  );
});

test('glibc iconv modules ship in lib/gconv (not on the library path) and are the ones loaded with GCONV_PATH', async () => {
  const { result, dir } = await firstImage();
  const paths = new Set(result.manifest.files.map((f) => f.path));
  for (const file of ['lib/gconv/gconv-modules', 'lib/gconv/CP1252.so', 'lib/gconv/UTF-16.so']) assert.ok(paths.has(file), `${file} in the image`);
  assert.ok(
    result.manifest.run.libraryPath.every((d) => !d.startsWith('lib/gconv')),
    'gconv is not a library dir',
  );
  assert.ok(result.manifest.source.packages.some((p) => p.name === 'libc6'));
  const srt = join(workDir, 'cp1252.srt');
  await writeFile(srt, Buffer.from('1\n00:00:00,000 --> 00:00:01,000\ncaf\xe9\n', 'latin1'));
  const run = result.manifest.run;
  const traced = await runTool(
    join(dir, run.loader),
    [
      '--library-path',
      run.libraryPath.map((d) => join(dir, d)).join(':'),
      join(dir, run.binaries.ffmpeg),
      '-nostdin',
      '-hide_banner',
      '-sub_charenc',
      'CP1252',
      '-i',
      srt,
      '-f',
      'srt',
      '-',
    ],
    { env: { LC_ALL: 'C', GCONV_PATH: join(dir, 'lib/gconv'), LD_DEBUG: 'files' }, timeoutMs: 60_000 },
  );
  assert.is(traced.code, 0, traced.stderr.slice(-800));
  assert.match(traced.stdout, /café/);
  const loaded = [...traced.stderr.matchAll(/file=(\S+\/gconv\/\S+\.so) \[0\];\s+dynamically loaded/g)].map((m) => m[1]);
  assert.ok(loaded.length > 0, 'an iconv module was loaded');
  for (const path of loaded) assert.ok(path?.startsWith(`${dir}/lib/gconv/`), `${path} is the image's`);
});

test('a second build from the same lock gives a byte-identical manifest.json', async () => {
  const { dir } = await firstImage();
  const second = await build(join(workDir, 'built-b'));
  assert.is(second.stats.downloaded, 0, 'second build uses the verified cache');
  const a = await readFile(join(dir, 'manifest.json'));
  const b = await readFile(join(second.outDir, 'manifest.json'));
  assert.ok(a.equals(b), 'manifest.json differs between builds');
});

test.run();

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../src/image-build/build-image.js';
import type { EncoderImageManifest } from '../../src/images/encoder-image-manifest.js';
import { defaultLockPath } from '../../src/image-build/recipe.js';
import { buildHostFromEnv } from '../../src/config/build-host.js';

export interface TestImage {
  dir: string;
  manifest: EncoderImageManifest;
  /** argv prefix that runs a binary relocated through the image's own loader. */
  argv(binary: 'ffmpeg' | 'ffprobe'): string[];
}

/**
 * The real FFmpeg 7.1 image built from the committed lock, cached per lock hash under
 * the temp dir so test files share one build (~16 s warm, ~20 s cold). Tests that need
 * ffmpeg use this: there is no other ffmpeg on these hosts.
 */
export async function testImage(): Promise<TestImage> {
  // Keyed by the lock and the recipe's own code, so a changed recipe rebuilds.
  const recipeDir = dirname(fileURLToPath(import.meta.resolve('../../src/image-build/build-image.js')));
  const hash = createHash('sha256').update(readFileSync(defaultLockPath));
  for (const f of readdirSync(recipeDir)
    .filter((n) => n.endsWith('.js'))
    .sort())
    hash.update(f).update(readFileSync(join(recipeDir, f)));
  const lockHash = hash.digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `mpegflow-test-image-${lockHash}`);
  if (!existsSync(join(dir, 'manifest.json'))) {
    const staging = `${dir}.build-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await buildImage({ host: buildHostFromEnv(process.env), outDir: staging });
    mkdirSync(dir, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test process won the race
    }
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EncoderImageManifest;
  return {
    dir,
    manifest,
    argv: (binary) => [
      join(dir, manifest.run.loader),
      '--library-path',
      manifest.run.libraryPath.map((p) => join(dir, p)).join(':'),
      join(dir, manifest.run.binaries[binary]),
    ],
  };
}

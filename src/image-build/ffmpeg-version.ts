import { join } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import type { EncoderImageManifest } from '../images/encoder-image-manifest.js';
import { runTool, stderrTail, type ToolResult } from './run-tool.js';

/** Runs an image binary relocated: `<loader> --library-path … <binary> ARGS`, empty environment. */
export function runImageBinary(imageDir: string, run: EncoderImageManifest['run'], binary: 'ffmpeg' | 'ffprobe', args: readonly string[]): Promise<ToolResult> {
  return runTool(
    join(imageDir, run.loader),
    ['--library-path', run.libraryPath.map((dir) => join(imageDir, dir)).join(':'), join(imageDir, run.binaries[binary]), ...args],
    { env: { LC_ALL: 'C' }, timeoutMs: 60_000 },
  );
}

/** `version` token of the first line and the `configuration:` flags of `ffmpeg -version` output. */
export function parseFfmpegVersion(stdout: string): { version: string; configuration: string } | null {
  const version = /^ff(?:mpeg|probe) version (\S+)/m.exec(stdout)?.[1];
  const configuration = /^configuration: ?(.*)$/m.exec(stdout)?.[1];
  if (version === undefined || configuration === undefined) return null;
  return { version, configuration: configuration.trim() };
}

/** The version of an image binary, run relocated; fails unless it is the expected series (e.g. `7.1`). */
export async function readImageVersion(
  imageDir: string,
  run: EncoderImageManifest['run'],
  binary: 'ffmpeg' | 'ffprobe',
  series: string,
): Promise<{ version: string; configuration: string }> {
  const result = await runImageBinary(imageDir, run, binary, ['-version']);
  const parsed = result.code === 0 ? parseFfmpegVersion(result.stdout) : null;
  if (!parsed) {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `${binary} -version failed in ${imageDir} (exit ${result.code}): ${stderrTail(result)}`);
  }
  if (!parsed.version.startsWith(`${series}.`)) {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `${binary} reports version ${parsed.version}, expected ${series}.x`);
  }
  return parsed;
}

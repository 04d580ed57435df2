import { mkdir } from 'node:fs/promises';
import { ApplianceError } from '../errors/appliance-error.js';
import { runTool, stderrTail } from './run-tool.js';

/** `dpkg-deb -x DEB DIR`: unpacks the data of one .deb (no maintainer scripts, no dpkg database). */
export async function unpackDeb(debPath: string, dir: string, toolPath: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const result = await runTool('dpkg-deb', ['-x', debPath, dir], { env: { PATH: toolPath, LC_ALL: 'C' } });
  if (result.code !== 0) {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `dpkg-deb -x ${debPath} failed: ${stderrTail(result)}`, { details: { deb: debPath } });
  }
}

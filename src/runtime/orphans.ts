import { readdirSync, readFileSync } from 'node:fs';

/**
 * After a crash (kill -9 of the server), encoders it started still run in their own
 * process groups. Every encoder runs through an image loader under `<data>/images/`, so a
 * process whose argv starts there (or with taskset then there) belongs to this appliance.
 */
export function killOrphanEncoders(imagesDir: string): number[] {
  const prefix = imagesDir.endsWith('/') ? imagesDir : `${imagesDir}/`;
  const killed: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const program = argv[0] === 'taskset' || argv[0]?.endsWith('/taskset') ? argv[3] : argv[0];
    if (!program?.startsWith(prefix)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      killed.push(Number(name));
    } catch {
      // already gone
    }
  }
  return killed;
}

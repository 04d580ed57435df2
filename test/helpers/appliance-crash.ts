// Shared steps of the end-to-end crash tests: a generated clip, a free port, kill -9 of the
// whole appliance (its process group and the encoders it started), and what a crash can leave.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { killProcessGroup, type Started } from './cli.js';
import { encoderProcesses } from './encoder-processes.js';
import { testImage } from './ffmpeg-image.js';
import { testClipArgs } from './clip-args.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A test clip made with the test image's ffmpeg from lavfi sources (testsrc2 + sine). */
export async function makeClip(path: string, size: string, seconds: number): Promise<void> {
  const img = await testImage();
  const ff = img.argv('ffmpeg');
  const r = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs(size, seconds), path], { env: { LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(String(r.stderr));
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** kill -9 of the whole appliance: the server's process group, then every encoder it started (their own groups). */
export async function killAppliance(server: Started, data: string): Promise<number[]> {
  const encoders = encoderProcesses(data);
  await killProcessGroup(server.child);
  for (const pid of encoders) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await waitUntil('the killed encoders to exit', () => encoderProcesses(data).every((p) => !encoders.includes(p)), 10_000);
  return encoders;
}

/** What a crash can leave behind: scratch job folders, intermediate objects, object-store staging files. */
export async function leftovers(data: string): Promise<{ scratch: string[]; intermediate: string[]; staging: string[] }> {
  const scratchDir = join(data, 'scratch');
  const scratch = existsSync(scratchDir) ? readdirSync(scratchDir).filter((n) => n.startsWith('job_')) : [];
  const tmp = join(data, 'objects', '.tmp');
  const staging = existsSync(tmp) ? readdirSync(tmp) : [];
  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  const intermediate: string[] = [];
  for await (const o of objects.list('intermediate')) intermediate.push(o.key);
  await objects.close();
  return { scratch, intermediate, staging };
}

/** A finished job's published outputs in the embedded store: both manifests there, every key committed exactly once (one version). */
export async function assertOutputsOnce(
  data: string,
  jobId: string,
  assertions: { ok(v: unknown, m?: string): void; is(a: unknown, b: unknown, m?: string): void },
): Promise<void> {
  const objects = new EmbeddedStore({ root: join(data, 'objects') });
  await objects.open();
  try {
    const keys: string[] = [];
    for await (const o of objects.list('output', `${jobId}/`)) keys.push(o.key);
    assertions.ok(keys.includes(`${jobId}/hls/master.m3u8`) && keys.includes(`${jobId}/dash/manifest.mpd`), keys.join(','));
    for (const k of keys) assertions.is((await objects.listVersions('output', k)).length, 1, `${k} committed once`);
  } finally {
    await objects.close();
  }
}

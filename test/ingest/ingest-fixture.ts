import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { procOpenWriters } from '../../src/ingest/open-writers.js';
import type { WatchFolderConfig } from '../../src/ingest/folder-context.js';
import { createLogger } from '../../src/log/logger.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

export const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Polls `check` until it returns a value other than undefined/false. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A small real clip (320x240, `seconds` long, H.264 + AAC) made by the FFmpeg 7.1 test image. */
export async function makeClip(path: string, seconds = 2): Promise<string> {
  const img = await testImage();
  const ff = img.argv('ffmpeg');
  const lavfi = testClipArgs('320x240', seconds);
  const r = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...lavfi, path], { env: { LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(String(r.stderr));
  return path;
}

/**
 * The real runtime (SQLite file, embedded store, pools, signed FFmpeg image) with one watch
 * folder on a real directory, watched by the real service.
 */
export async function ingestFixture(options: { folder?: Partial<WatchFolderConfig>; objectsRoot?: string; root?: string } = {}) {
  const f = await runtimeFixture(options.objectsRoot ? { objectsRoot: options.objectsRoot } : {});
  const root = options.root ?? join(tempDir('mpegflow-watch-'), 'drop');
  mkdirSync(root, { recursive: true });
  const folder: WatchFolderConfig = {
    path: root,
    ladder: 'professional',
    packaging: ['hls', 'dash'],
    stableSeconds: 0.6,
    rescanSeconds: 0.3,
    retrySeconds: 0.5,
    retryAttempts: 12,
    ...options.folder,
  };
  const logLines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logLines.push(line) } as unknown as NodeJS.WritableStream);
  const deps = { store: f.store, objects: f.objects, runtime: f.runtime, logger, openWriters: procOpenWriters() };
  let service = new IngestService(deps, [folder]);
  const startService = async () => {
    service = new IngestService(deps, [folder]);
    await service.start();
  };
  const audit = async (type: string) => (await f.store.audit.list({ type })).map((e) => e.payload as Record<string, unknown>);
  const ingests = () => f.store.ingests.recent(root.replace(/\/+$/, ''), 100);
  /** Waits until `name` is in done/ and its ingest record says done (the move comes first, then the record). */
  const ingestedToDone = (name: string, timeoutMs = 30_000) =>
    eventually(
      `${name} in done/ and recorded done`,
      async () => existsSync(join(root, 'done', name)) && (await ingests()).find((i) => i.name === name && i.state === 'done'),
      timeoutMs,
    );
  /** Waits for `n` whole passes of the folder that start after the call (a look, not a sleep). */
  const passes = async (n: number) => {
    for (let i = 0; i < n; i++) await service.nextPass();
  };
  const jobCount = async () => Object.values(await f.store.stats.jobsByState()).reduce((a, b) => a + b, 0);
  return {
    ...f,
    root,
    folder,
    deps,
    logLines,
    get service() {
      return service;
    },
    startService,
    stopService: () => service.stop(),
    audit,
    ingests,
    passes,
    jobCount,
    ingestedToDone,
    close: async () => {
      await service.stop();
      await f.close();
    },
  };
}

export type IngestFixture = Awaited<ReturnType<typeof ingestFixture>>;

/** Unregisters the default image (as before `mpegflow images import` on a host with no archive); returns a re-register. */
export async function withoutImage(f: IngestFixture): Promise<() => Promise<void>> {
  const image = (await f.store.images.default())!;
  await f.store.change(async (tx) => {
    await tx.images.markRemoved(image.id, new Date().toISOString());
    await tx.audit({ type: 'encoder_image.removed', actor: 'test', payload: { id: image.id } });
  });
  if ((await f.store.images.default()) !== undefined) throw new Error('an image is still the default');
  return () =>
    f.store.change(async (tx) => {
      await tx.images.insert({
        id: image.id,
        name: image.name,
        version: image.version,
        path: image.path,
        manifest: image.manifest,
        state: 'verified',
        verifiedAt: new Date().toISOString(),
      });
      await tx.audit({ type: 'encoder_image.imported', actor: 'test', payload: { id: image.id } });
    });
}

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { EventBus } from '../../src/events/event-bus.js';
import type { ApplianceEvent } from '../../src/events/events.js';
import { createLogger } from '../../src/log/logger.js';
import { createJobRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { testImage } from './ffmpeg-image.js';
import { signedImageCopy } from './signed-image.js';
import { testRuntimeConfig, testRuntimeSettings } from './runtime-config.js';
import { tempDir } from './temp-dir.js';

/** A real runtime: SQLite file, embedded object store, the three pools, a signed FFmpeg 7.1 image. */
export async function runtimeFixture(
  options: {
    partialLadder?: 'wait' | 'emit';
    failEncodeAttempt?: (t: { rendition: string | null; attempt: number; chunk: number | null }) => boolean;
    objectsRoot?: string;
    /** Overrides of `policies` (e.g. maxInterruptions). */
    policies?: Partial<ReturnType<typeof testRuntimeConfig>['policies']>;
    /** Overrides of `chunking` (e.g. a threshold of seconds, to chunk a short clip). */
    chunking?: Partial<ReturnType<typeof testRuntimeConfig>['chunking']>;
  } = {},
) {
  const data = tempDir('mpegflow-runtime-');
  const store = new SqliteStore({ path: join(data, 'mpegflow.db') });
  const objects = new EmbeddedStore({ root: options.objectsRoot ?? join(data, 'objects') });
  await objects.open();
  const base = testRuntimeConfig(options.partialLadder);
  const config = { ...base, policies: { ...base.policies, ...options.policies }, chunking: { ...base.chunking, ...options.chunking } };
  const supervisor = new Supervisor(config);
  const bus = new EventBus();
  const events: ApplianceEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const { ref, trust } = await signedImageCopy();
  await store.change(async (tx) => {
    await tx.images.insert({
      id: ref.id,
      name: 'debian-ffmpeg-7.1',
      version: 'test',
      path: ref.dir,
      manifest: readFileSync(join(ref.dir, 'manifest.json'), 'utf8'),
      state: 'verified',
      verifiedAt: new Date().toISOString(),
    });
    await tx.audit({ type: 'encoder_image.imported', actor: 'test', payload: { id: ref.id } });
  });
  mkdirSync(join(data, 'scratch'), { recursive: true });
  const newRuntime = (): Runtime =>
    createJobRuntime({
      store,
      objects,
      supervisor,
      bus,
      config,
      trust,
      logger: createLogger('silent'),
      ...testRuntimeSettings(data),
      ...(options.failEncodeAttempt ? { failEncodeAttempt: options.failEncodeAttempt } : {}),
    });
  let runtime: Runtime = newRuntime();
  await runtime.start();
  const clip = async (name: string, lavfi: string[]) => {
    const img = await testImage();
    const path = join(data, name);
    const argv = img.argv('ffmpeg');
    const r = spawnSync(argv[0]!, [...argv.slice(1), '-nostdin', '-hide_banner', '-loglevel', 'error', ...lavfi, path], { env: { LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(String(r.stderr));
    await objects.put('input', name, createReadStream(path));
    return name;
  };
  const waitFor = async (jobId: string, states: string[], timeoutMs = 120_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const d = await runtime.get(jobId);
      if (states.includes(d.state)) return d;
      if (Date.now() > until) throw new Error(`job ${jobId} still ${d.state} after ${timeoutMs} ms: ${JSON.stringify(d.tasks)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** Stops the runtime (as a shutdown does) and starts a new one on the same store, objects and pools. */
  const restart = async (reason = 'test restart') => {
    await runtime.stop(reason);
    runtime = newRuntime();
    await runtime.start();
  };
  const close = async () => {
    await runtime.stop();
    await supervisor.close();
    await objects.close();
    await store.close();
  };
  return {
    data,
    store,
    objects,
    supervisor,
    bus,
    events,
    get runtime() {
      return runtime;
    },
    image: ref,
    clip,
    waitFor,
    restart,
    close,
  };
}

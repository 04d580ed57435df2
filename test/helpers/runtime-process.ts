// A runtime in its own process, for crash tests: `node runtime-process.js DATA_DIR [INPUT_FILE]`.
// First run (with INPUT_FILE): puts the file in the input bucket, submits a job, prints `job <id>`.
// Every run: recovers, then runs the scheduler until killed. The image lives under DATA/images/.
// MPEGFLOW_TEST_POLICIES (JSON) overrides `policies` of the test config (e.g. {"maxInterruptions": 3}).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { EventBus } from '../../src/events/event-bus.js';
import { imageIdOf } from '../../src/images/image-manifest.js';
import { createLogger } from '../../src/log/logger.js';
import { createJobRuntime } from '../../src/runtime/runtime.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { generateSigningKey, signDetached } from '../../src/signing/openpgp-keys.js';
import { testImage } from './ffmpeg-image.js';
import { testRuntimeConfig, testRuntimeSettings } from './runtime-config.js';

const [data, input] = process.argv.slice(2) as [string, string | undefined];
const store = new SqliteStore({ path: join(data, 'mpegflow.db') });
const objects = new EmbeddedStore({ root: join(data, 'objects') });
await objects.open();
const trustFile = join(data, 'trust.json');
if (!existsSync(trustFile)) {
  const src = await testImage();
  const manifest = readFileSync(join(src.dir, 'manifest.json'));
  const id = imageIdOf(manifest);
  const dir = join(data, 'images', id);
  mkdirSync(join(data, 'images'), { recursive: true });
  cpSync(src.dir, dir, { recursive: true, preserveTimestamps: true });
  const key = await generateSigningKey({ name: 'crash test' });
  writeFileSync(join(dir, 'manifest.json.asc'), await signDetached(key.privateArmored, manifest));
  await store.change(async (tx) => {
    await tx.images.insert({
      id,
      name: 'debian-ffmpeg-7.1',
      version: 'test',
      path: dir,
      manifest: '{"source":{"kind":"debian"}}',
      state: 'verified',
      verifiedAt: new Date().toISOString(),
    });
    await tx.audit({ type: 'encoder_image.imported', actor: 'test', payload: { id } });
  });
  writeFileSync(trustFile, JSON.stringify({ keys: [{ fingerprint: key.fingerprint, source: 'test', armored: key.publicArmored }] }));
}
const trust = JSON.parse(readFileSync(trustFile, 'utf8')) as { keys: { fingerprint: string; source: string; armored: string }[] };
const baseConfig = testRuntimeConfig();
const config = { ...baseConfig, policies: { ...baseConfig.policies, ...(JSON.parse(process.env.MPEGFLOW_TEST_POLICIES ?? '{}') as object) } };
mkdirSync(join(data, 'scratch'), { recursive: true });
const runtime = createJobRuntime({
  store,
  objects,
  supervisor: new Supervisor(config),
  bus: new EventBus(),
  config,
  trust,
  logger: createLogger('silent'),
  ...testRuntimeSettings(data),
});
await runtime.start();
if (input) {
  await objects.put('input', basename(input), createReadStream(input));
  const { job } = await runtime.submit({ input: { key: basename(input) }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 'test' });
  console.log(`job ${job.id}`);
}
setInterval(() => undefined, 1 << 30);

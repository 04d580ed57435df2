import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataLayout } from '../../appliance/data-layout.js';
import { importImage } from '../../src/image-catalog/image-catalog.js';
import { applianceTrust } from '../../src/images/image-trust.js';
import { signImageManifest } from '../../src/images/image-signing.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from './cli.js';
import { testImage } from './ffmpeg-image.js';

/**
 * For tests about something other than the first start's image build: `mpegflow init`, then
 * the shared test build of the FFmpeg 7.1 image (the committed lock) signed with this data
 * dir's own key and imported, as `mpegflow images import` does — so `mpegflow start` finds a
 * verified image of the lock and builds nothing (~15 s less per suite). The build itself is
 * tested by test/cli/start and test/e2e/appliance-job. `env` is the appliance's (a PostgreSQL
 * store, S3, a KEK): init and the import use the same store the server will.
 */
export async function preloadEncoderImage(cwd: string, env: Record<string, string> = {}): Promise<void> {
  const init = runCli(['init'], { cwd, env });
  if (init.code !== 0) throw new Error(`mpegflow init failed: ${init.stdout}${init.stderr}`);
  const layout = dataLayout(join(cwd, 'data'));
  const staging = join(mkdtempSync(join(layout.scratch, 'preload-')), 'image');
  // A copy, not links: nothing a test does to its data dir can reach the shared build.
  cpSync((await testImage()).dir, staging, { recursive: true });
  await signImageManifest(staging, readFileSync(layout.auditKey, 'utf8'));
  // The appliance's own store: the data dir's SQLite file, or the PostgreSQL database `env` names.
  const url = env.MPEGFLOW_DATABASE_URL;
  const store = url ? await PostgresStore.open({ url }) : new SqliteStore({ path: layout.database });
  try {
    await importImage({ store, imagesDir: layout.images, trust: await applianceTrust(layout.trust), from: staging, actor: 'test', move: true });
  } finally {
    await store.close();
  }
}

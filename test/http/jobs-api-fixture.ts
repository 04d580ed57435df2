import { join } from 'node:path';
import { memoryLogger } from '../helpers/memory-logger.js';
import { generateToken, hashToken, newTokenId } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Role, Store } from '../../src/store/store.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * The real app with the jobs, inputs and outputs API: real SQLite, the real embedded object
 * store, one token per role (plus an expired one), the log in memory. With `runtime: true`
 * it runs on the real job runtime (pools, signed FFmpeg 7.1 image) of test/helpers/runtime-fixture.
 */
export async function apiApp(options: { runtime?: boolean } = {}) {
  let store: Store;
  let objects: ObjectStore;
  let runtime: Runtime | undefined;
  let fixture: Awaited<ReturnType<typeof runtimeFixture>> | undefined;
  if (options.runtime) {
    fixture = await runtimeFixture();
    ({ store, objects, runtime } = fixture);
  } else {
    const dir = tempDir('mpegflow-api-');
    store = new SqliteStore({ path: join(dir, 'mpegflow.db') });
    const embedded = new EmbeddedStore({ root: join(dir, 'objects') });
    await embedded.open();
    objects = embedded;
  }
  const { logger, logLines } = memoryLogger();
  const health = new Health();
  health.set('store', { ok: true });
  const app = createApp({
    store,
    logger,
    health,
    objects,
    ...(runtime && fixture ? { runtime, pools: () => fixture.supervisor.status(), dataDir: fixture.data } : {}),
  });
  const tokens = {} as Record<Role | 'expired', string>;
  const tokenIds = {} as Record<Role, string>;
  for (const role of ['admin', 'operator', 'viewer', 'auditor', 'expired'] as const) {
    const token = generateToken();
    tokens[role] = token;
    const id = newTokenId();
    if (role !== 'expired') tokenIds[role] = id;
    await store.change(async (tx) => {
      await tx.tokens.insert({
        id,
        name: role,
        role: role === 'expired' ? 'admin' : role,
        tokenHash: hashToken(token),
        ...(role === 'expired' ? { expiresAt: '2020-01-01T00:00:00.000Z' } : {}),
      });
      await tx.audit({ type: 'api_token.issued', actor: 'test', payload: { tokenId: id, role } });
    });
  }
  const auth = (role: Role | 'expired', extra: Record<string, string> = {}) => ({ authorization: `Bearer ${tokens[role]}`, ...extra });
  const json = (role: Role | 'expired', body: unknown, extra: Record<string, string> = {}) => ({
    method: 'POST',
    headers: auth(role, { 'content-type': 'application/json', ...extra }),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  /** Server-side errors in the log (pino level ≥ 50). */
  const serverErrors = () => logLines.filter((l) => /"level":(50|60)/.test(l));
  const close = async () => {
    if (fixture) await fixture.close();
    else {
      await objects.close();
      await store.close();
    }
  };
  return { app, store, objects, runtime, fixture, tokens, tokenIds, auth, json, logLines, serverErrors, close };
}

/** Inserts a job row the way the runtime records one (for routes that only read it). */
export async function insertJob(store: Store, id: string, inputKey: string, state: 'queued' | 'completed' = 'completed'): Promise<void> {
  await store.change(async (tx) => {
    await tx.jobs.insert({
      id,
      state: 'queued',
      inputKey,
      inputSha256: null,
      inputSize: null,
      ladder: 'professional',
      packaging: ['hls', 'dash'],
      encoderImage: 'e'.repeat(64),
      policy: { partialLadder: 'wait' },
      idempotencyKey: null,
      requestHash: null,
      submittedBy: 'token:test',
    });
    if (state !== 'queued') await tx.jobs.update(id, { state, outputs: { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' } });
    await tx.audit({ type: 'job.submitted', actor: 'token:test', jobId: id, payload: { input: { key: inputKey } } });
  });
}

// The thin real path: a master copied into a watch folder becomes a job that completes, the
// file ends in done/, every step is audited, and GET /api/v1/watch-folders shows it over HTTP.
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from '../../appliance/listen.js';
import { generateToken, hashToken, newTokenId } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import { createLogger } from '../../src/log/logger.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ingestFixture, makeClip, sha256Of } from './ingest-fixture.js';

const f = await ingestFixture();
test.after(() => f.close());

test('a copied master is ingested once: stored and verified, job completed, file in done/, every step audited, listed over HTTP', async () => {
  const clip = await makeClip(join(tempDir(), 'promo.mp4'), 2);
  const sha = sha256Of(clip);
  await f.startService();
  copyFileSync(clip, join(f.root, 'promo.mp4'));

  const done = await f.ingestedToDone('promo.mp4');
  assert.ok(done);
  assert.not.ok(existsSync(join(f.root, 'promo.mp4')));
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  assert.is(sha256Of(join(f.root, 'done', 'promo.mp4')), sha, 'the file is moved, not changed');

  const [ingest] = await f.ingests();
  assert.is(ingest!.state, 'done');
  assert.is(ingest!.sha256, sha);
  const job = await f.waitFor(ingest!.jobId!, ['completed', 'failed', 'partial'], 180_000);
  assert.is(job.state, 'completed', JSON.stringify(job.error));
  assert.is(job.input.sha256, sha, 'the job input is the exact bytes of the file');
  assert.is(job.submittedBy, `watch:${f.root}`);
  const stored = await f.objects.stat('input', ingest!.inputKey!);
  assert.is(stored.sha256, sha);

  const types = (await f.store.audit.list({ limit: 10_000 })).filter((e) => e.type.startsWith('ingest.')).map((e) => e.type);
  for (const t of ['ingest.folder_available', 'ingest.detected', 'ingest.claimed', 'ingest.storing', 'ingest.stored', 'ingest.submitted', 'ingest.done'])
    assert.ok(types.includes(t), `audit lacks ${t}: ${types.join(',')}`);
  const submitted = (await f.audit('ingest.submitted'))[0]!;
  assert.is(submitted.jobId, job.id);
  const storedEvent = (await f.audit('ingest.stored'))[0]!;
  assert.is(storedEvent.sha256, sha);
  assert.is(storedEvent.size, ingest!.size);
  assert.ok((await f.store.audit.verify()).ok);

  // GET /api/v1/watch-folders over real HTTP, as a viewer.
  const token = generateToken();
  await f.store.change(async (tx) => {
    const id = newTokenId();
    await tx.tokens.insert({ id, name: 'viewer', role: 'viewer', tokenHash: hashToken(token) });
    await tx.audit({ type: 'api_token.issued', actor: 'test', payload: { tokenId: id, role: 'viewer' } });
  });
  const health = new Health();
  const app = createApp({ store: f.store, logger: createLogger('silent'), health, runtime: f.runtime, objects: f.objects, watchFolders: [f.folder] });
  const { server, port } = await listen(app.fetch, '127.0.0.1', 0);
  try {
    const unauth = await fetch(`http://127.0.0.1:${port}/api/v1/watch-folders`);
    assert.is(unauth.status, 401);
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/watch-folders`, { headers: { authorization: `Bearer ${token}` } });
    assert.is(r.status, 200);
    const body = (await r.json()) as { items: Array<{ path: string; ladder: string; packaging: string[]; recent: Array<Record<string, unknown>> }> };
    assert.is(body.items.length, 1);
    const item = body.items[0]!;
    assert.equal(Object.keys(item).sort(), ['ladder', 'packaging', 'path', 'recent']);
    assert.equal({ path: item.path, ladder: item.ladder, packaging: item.packaging }, { path: f.root, ladder: 'professional', packaging: ['hls', 'dash'] });
    assert.equal(item.recent, [{ name: 'promo.mp4', state: 'done', jobId: job.id, at: ingest!.updatedAt, error: null }]);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test.run();

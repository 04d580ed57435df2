import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../helpers/test-app.js';

const manifest = (kind: 'debian' | 'host') =>
  JSON.stringify({
    schema: 'mpegflow.encoder-image/1',
    name: 'x',
    ffmpeg: { version: '7.1.5', configuration: '--enable-gpl' },
    run: {},
    source: { kind },
    files: [{ path: 'bin/ffmpeg', size: 10, sha256: 'a'.repeat(64), mode: '0755' }],
  });

test('GET /api/v1/encoders: any role sees the images and their verification state, the default first', async () => {
  const { app, store, auth } = await testApp();
  const empty = await app.request('/api/v1/encoders', auth('viewer'));
  assert.is(empty.status, 200);
  assert.equal(await empty.json(), { items: [], default: null });

  await store.change(async (tx) => {
    await tx.images.insert({
      id: 'a'.repeat(64),
      name: 'debian-ffmpeg-7.1',
      version: '7.1.5',
      path: '/d/images/a',
      manifest: manifest('debian'),
      state: 'verified',
      verifiedAt: '2026-01-01T00:00:00.000Z',
    });
    await tx.images.insert({
      id: 'b'.repeat(64),
      name: 'host-ffmpeg',
      version: '7.1.1',
      path: '/d/images/b',
      manifest: manifest('host'),
      state: 'unverified',
      verifiedAt: null,
    });
    await tx.audit({ type: 'encoder_image.imported', actor: 'test', payload: {} });
  });
  for (const role of ['admin', 'operator', 'viewer', 'auditor'] as const) {
    const res = await app.request('/api/v1/encoders', auth(role));
    assert.is(res.status, 200, role);
    const body = (await res.json()) as { default: string; items: Array<Record<string, unknown>> };
    assert.is(body.default, 'a'.repeat(64));
    assert.equal(
      body.items.map((i) => [i.name, i.state, i.default, i.source, i.files, i.bytes]),
      [
        ['debian-ffmpeg-7.1', 'verified', true, 'debian', 1, 10],
        ['host-ffmpeg', 'unverified', false, 'host', 1, 10],
      ],
    );
  }
  const anonymous = await app.request('/api/v1/encoders');
  assert.is(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
});

test('store: images in use are counted; removed images leave the list and the default', async () => {
  const { store } = await testApp();
  const id = 'c'.repeat(64);
  await store.change(async (tx) => {
    await tx.images.insert({
      id,
      name: 'debian-ffmpeg-7.1',
      version: '7.1.5',
      path: '/d/images/c',
      manifest: manifest('debian'),
      state: 'verified',
      verifiedAt: null,
    });
    await tx.audit({ type: 'encoder_image.imported', actor: 'test', payload: {} });
  });
  assert.is(await store.images.jobsPinning(id), 0);
  assert.is((await store.images.default())?.id, id);
  try {
    await store.change(async (tx) => {
      await tx.images.markRemoved(id, new Date().toISOString());
    });
    assert.unreachable('unaudited write accepted');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'AUDIT_REQUIRED');
  }
  assert.is((await store.images.default())?.id, id, 'rolled back');
  await store.change(async (tx) => {
    await tx.images.markRemoved(id, new Date().toISOString());
    await tx.audit({ type: 'encoder_image.removed', actor: 'test', payload: { imageId: id } });
  });
  assert.equal(await store.images.list(), []);
  assert.is(await store.images.default(), undefined);
  assert.ok((await store.images.list({ includeRemoved: true }))[0]?.removedAt);
});

test.run();

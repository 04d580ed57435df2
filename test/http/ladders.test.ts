// Ladder templates over the API: the built-in template, create (version 1), change (the next
// version; the same body saves nothing), every version kept and readable, per-field problems,
// the read-only built-in, who may do what, and the audit of each new version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { ladderDetail, ladderList, ladderVersionSchema, type LadderTemplateInput } from '../../src/http/schemas/ladder-template.js';
import type { Role } from '../../src/store/store.js';
import { testApp } from '../helpers/test-app.js';

let f: Awaited<ReturnType<typeof testApp>>;
test.before(async () => {
  f = await testApp();
});
test.after(async () => {
  await f.store.close();
});

type Answer = {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; details?: { problems?: Array<{ path: string }> } } };
};
const call = async (role: Role, method: string, path: string, body?: unknown): Promise<Answer> => {
  const res = await f.app.request(`/api/v1${path}`, {
    method,
    ...f.auth(role, body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};

/** A copy of professional under another name, with only what a client must send. */
const minimal = (name: string): LadderTemplateInput => ({
  name,
  rungs: [
    { name: '720p', codec: 'h264', width: 1280, height: 720, rate: { mode: 'vbr', bitrateKbps: 3000, maxrateKbps: 3600, bufsizeKbps: 6000 }, profile: 'high' },
    {
      name: '2160p-hdr',
      codec: 'hevc',
      width: 3840,
      height: 2160,
      rate: { mode: 'crf', crf: 20, maxrateKbps: 16000, bufsizeKbps: 24000 },
      profile: 'main10',
      range: 'hdr',
    },
  ],
});

test('GET /ladders: professional is built in, version 1, the whole template; every role reads it', async () => {
  for (const role of ['admin', 'operator', 'viewer', 'auditor'] as const) {
    const { status, body } = await call(role, 'GET', '/ladders');
    assert.is(status, 200);
    const parsed = ladderList.parse(body);
    assert.equal(
      parsed.items.map((i) => [i.name, i.version, i.builtin]),
      [['professional', 1, true]],
    );
    assert.equal(parsed.items[0]!.template, professionalTemplate);
  }
  const detail = ladderDetail.parse((await call('viewer', 'GET', '/ladders/professional')).body);
  assert.equal(
    detail.versions.map((v) => v.version),
    [1],
  );
});

test('POST /ladders: version 1 with defaults filled, audited with the whole template; the name once only', async () => {
  const created = await call('operator', 'POST', '/ladders', minimal('uhd-hdr'));
  assert.is(created.status, 201, JSON.stringify(created.body));
  const v1 = ladderVersionSchema.parse(created.body);
  assert.equal([v1.name, v1.version, v1.builtin], ['uhd-hdr', 1, false]);
  assert.match(v1.sha256, /^[0-9a-f]{64}$/);
  assert.is(v1.template.gopSeconds, 2);
  assert.equal(v1.template.audio.select, { by: 'all' });
  assert.is(v1.template.rungs[1]!.maxLevel, null);
  const events = (await f.store.audit.list()).filter((e) => e.type === 'ladder.created');
  assert.is(events.length, 1);
  assert.equal((events[0]!.payload as { template: unknown }).template, v1.template);
  assert.match(events[0]!.actor, /^token:/);
  const again = await call('admin', 'POST', '/ladders', minimal('uhd-hdr'));
  assert.equal([again.status, again.body.error?.code], [409, 'LADDER_EXISTS']);
});

test('PUT /ladders/{name}: the next version; the same template saves nothing; old versions stay readable', async () => {
  const changed = { ...minimal('uhd-hdr'), description: 'for contract 7', gopSeconds: 4 };
  const put = await call('admin', 'PUT', '/ladders/uhd-hdr', changed);
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.is(ladderVersionSchema.parse(put.body).version, 2);
  const same = await call('admin', 'PUT', '/ladders/uhd-hdr', changed);
  assert.is(ladderVersionSchema.parse(same.body).version, 2);
  assert.is((await f.store.audit.list()).filter((e) => e.type === 'ladder.updated').length, 1);
  const detail = ladderDetail.parse((await call('viewer', 'GET', '/ladders/uhd-hdr')).body);
  assert.equal([detail.version, detail.template.gopSeconds, detail.versions.map((v) => v.version)], [2, 4, [1, 2]]);
  const v1 = ladderVersionSchema.parse((await call('viewer', 'GET', '/ladders/uhd-hdr/versions/1')).body);
  assert.equal([v1.version, v1.template.gopSeconds], [1, 2]);
  const listed = ladderList.parse((await call('viewer', 'GET', '/ladders')).body);
  assert.equal(
    listed.items.map((i) => [i.name, i.version]),
    [
      ['professional', 1],
      ['uhd-hdr', 2],
    ],
  );
  // The store keeps every version as saved: the database refuses to change one.
  let refused = false;
  try {
    await f.store.change(async (tx) => {
      await tx.ladders.insert({ name: 'uhd-hdr', version: 2, template: {}, sha256: 'x', createdBy: 'test' });
      await tx.audit({ type: 'test', actor: 'test' });
    });
  } catch {
    refused = true;
  }
  assert.ok(refused, 'a second version 2 was saved');
});

test('bad templates: per-field problems (400 LADDER_INVALID / VALIDATION_FAILED), unknown names and versions, the read-only built-in', async () => {
  const dup = minimal('dup');
  dup.rungs = [dup.rungs[0]!, { ...dup.rungs[0]! }];
  const a = await call('operator', 'POST', '/ladders', dup);
  assert.equal([a.status, a.body.error?.code], [400, 'LADDER_INVALID']);
  assert.equal(
    a.body.error?.details?.problems?.map((p) => p.path),
    ['rungs.1.name'],
  );
  const hdrH264 = minimal('hdr-h264');
  hdrH264.rungs = [{ ...hdrH264.rungs[0]!, range: 'hdr' }];
  assert.equal((await call('operator', 'POST', '/ladders', hdrH264)).body.error?.details?.problems?.[0]?.path, 'rungs.0.range');
  for (const body of [
    { ...minimal('none'), rungs: [] },
    { ...minimal('codec'), rungs: [{ ...minimal('x').rungs[0]!, codec: 'vp9' }] },
    { ...minimal('rates'), rungs: [{ ...minimal('x').rungs[0]!, rate: { mode: 'vbr', bitrateKbps: 0, maxrateKbps: 1, bufsizeKbps: 1 } }] },
    { ...minimal('extra'), watermark: true },
    { ...minimal('Bad Name') },
  ]) {
    const r = await call('operator', 'POST', '/ladders', body);
    assert.equal([r.status, r.body.error?.code], [400, 'VALIDATION_FAILED'], JSON.stringify(body).slice(0, 80));
  }
  const ro = await call('admin', 'PUT', '/ladders/professional', { ...minimal('professional') });
  assert.equal([ro.status, ro.body.error?.code], [409, 'LADDER_READ_ONLY']);
  const roPost = await call('admin', 'POST', '/ladders', { ...minimal('professional') });
  assert.equal([roPost.status, roPost.body.error?.code], [409, 'LADDER_READ_ONLY']);
  const mismatch = await call('admin', 'PUT', '/ladders/uhd-hdr', minimal('other'));
  assert.equal([mismatch.status, mismatch.body.error?.code], [400, 'VALIDATION_FAILED']);
  const missing = await call('admin', 'PUT', '/ladders/nothing-here', minimal('nothing-here'));
  assert.equal([missing.status, missing.body.error?.code], [400, 'LADDER_UNKNOWN']);
  assert.equal((await call('viewer', 'GET', '/ladders/nothing-here')).body.error?.code, 'LADDER_UNKNOWN');
  const v9 = await call('viewer', 'GET', '/ladders/uhd-hdr/versions/9');
  assert.equal([v9.status, v9.body.error?.code], [404, 'LADDER_VERSION_UNKNOWN']);
  assert.equal((await call('viewer', 'GET', '/ladders/professional/versions/2')).body.error?.code, 'LADDER_VERSION_UNKNOWN');
});

test('viewers and auditors read templates but do not write them', async () => {
  for (const role of ['viewer', 'auditor'] as const) {
    assert.is((await call(role, 'POST', '/ladders', minimal(`by-${role}`))).status, 403);
    assert.is((await call(role, 'PUT', '/ladders/uhd-hdr', minimal('uhd-hdr'))).status, 403);
  }
});

test.run();

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobDetail } from '../../src/runtime/job-runtime.js';
import { apiApp, type ErrorBody } from './jobs-api-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

let f: Awaited<ReturnType<typeof apiApp>>;
let clipKey = '';
test.before(async () => {
  f = await apiApp({ runtime: true });
  // A real master, uploaded through the API.
  const made = await f.fixture!.clip('made.mp4', testClipArgs('426x240', 2));
  const bytes = readFileSync(join(f.fixture!.data, made));
  const res = await f.app.request('/api/v1/inputs/clip.mp4', { method: 'PUT', body: bytes, headers: f.auth('operator') });
  assert.is(res.status, 201);
  clipKey = ((await res.json()) as { key: string }).key;
});
test.after(async () => {
  await f.close();
});

const body = (extra: Record<string, unknown> = {}) => ({ input: { key: clipKey }, ladder: 'professional', packaging: ['hls', 'dash'], ...extra });
const code = async (res: Response) => ((await res.json()) as ErrorBody).error.code;
const jobCount = async () => (await f.store.jobs.list({ limit: 500 })).items.length;

test('bad submissions: each a 4xx with a stable code, nothing created, nothing logged as a server error', async () => {
  const before = await jobCount();
  const post = (b: unknown, role: Parameters<typeof f.json>[0] = 'operator', extra: Record<string, string> = {}) =>
    f.app.request('/api/v1/jobs', f.json(role, b, extra));
  const cases: Array<[string, Response, number, string, RegExp?]> = [
    ['malformed JSON', await post('{"input":'), 400, 'INVALID_JSON'],
    ['unknown field', await post(body({ priority: 9 })), 400, 'VALIDATION_FAILED', /priority: unknown field/],
    ['unknown nested field', await post(body({ input: { key: clipKey, bucket: 'output' } })), 400, 'VALIDATION_FAILED', /input\.bucket: unknown field/],
    ['missing input', await post({ ladder: 'professional', packaging: ['hls'] }), 400, 'VALIDATION_FAILED', /^input:/],
    ['missing input key', await post(body({ input: { key: 'nope.mov' } })), 422, 'INPUT_NOT_FOUND'],
    ['foreign input key', await post(body({ input: { key: '../output/job_x/hls/master.m3u8' } })), 422, 'INPUT_NOT_FOUND'],
    ['absolute input key', await post(body({ input: { key: '/etc/passwd' } })), 422, 'INPUT_NOT_FOUND'],
    ['unknown ladder', await post(body({ ladder: 'amateur' })), 400, 'LADDER_UNKNOWN'],
    ['ladder from the prototype', await post(body({ ladder: '__proto__' })), 400, 'LADDER_UNKNOWN'],
    ['ladder a number', await post(body({ ladder: -1 })), 400, 'VALIDATION_FAILED', /^ladder:/],
    ['huge number for a key', await post(body({ input: { key: 1e308 } })), 400, 'VALIDATION_FAILED'],
    ['unknown encoder image', await post(body({ encoder: 'f'.repeat(64) })), 400, 'ENCODER_UNKNOWN'],
    ['encoder not an id', await post(body({ encoder: 'ffmpeg' })), 400, 'VALIDATION_FAILED', /^encoder:/],
    ['empty packaging', await post(body({ packaging: [] })), 400, 'VALIDATION_FAILED'],
    ['repeated packaging', await post(body({ packaging: ['hls', 'hls'] })), 400, 'VALIDATION_FAILED'],
    ['unknown packaging', await post(body({ packaging: ['smooth'] })), 400, 'VALIDATION_FAILED'],
    ['bad policy', await post(body({ policy: { partialLadder: 'maybe' } })), 400, 'VALIDATION_FAILED'],
    ['10 MB body', await post(JSON.stringify(body({ pad: 'x'.repeat(10 * 1024 * 1024) }))), 413, 'PAYLOAD_TOO_LARGE'],
    ['text/plain', await post(JSON.stringify(body()), 'operator', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['bad Idempotency-Key', await post(body(), 'operator', { 'idempotency-key': 'x'.repeat(300) }), 400, 'VALIDATION_FAILED', /Idempotency-Key/],
    ['viewer', await post(body(), 'viewer'), 403, 'FORBIDDEN'],
    ['auditor', await post(body(), 'auditor'), 403, 'FORBIDDEN'],
    ['expired token', await post(body(), 'expired'), 401, 'UNAUTHENTICATED'],
    [
      'wrong token',
      await f.app.request('/api/v1/jobs', {
        method: 'POST',
        body: JSON.stringify(body()),
        headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      }),
      401,
      'UNAUTHENTICATED',
    ],
  ];
  for (const [what, res, status, expected, message] of cases) {
    assert.is(res.status, status, what);
    const b = (await res.json()) as ErrorBody;
    assert.is(b.error.code, expected, what);
    if (message) assert.match(b.error.message, message, what);
  }
  assert.is(await jobCount(), before, 'nothing created');
  assert.equal(f.serverErrors(), []);
});

test('reads of what does not exist and bad queries: 404 JOB_NOT_FOUND, 400 VALIDATION_FAILED', async () => {
  const get = (path: string, role: Parameters<typeof f.auth>[0] = 'viewer', method = 'GET') => f.app.request(path, { method, headers: f.auth(role) });
  for (const path of ['/api/v1/jobs/job_nope', '/api/v1/jobs/job_nope/audit', '/api/v1/jobs/%2E%2Fjob', '/api/v1/jobs/job_nope/outputs/hls/master.m3u8']) {
    const res = await get(path);
    assert.is(res.status, 404, path);
    assert.is(await code(res), 'JOB_NOT_FOUND', path);
  }
  for (const action of ['cancel', 'retry']) {
    const res = await get(`/api/v1/jobs/job_nope/${action}`, 'operator', 'POST');
    assert.is(res.status, 404);
    assert.is(await code(res), 'JOB_NOT_FOUND');
    const viewer = await get(`/api/v1/jobs/job_nope/${action}`, 'viewer', 'POST');
    assert.is(viewer.status, 403);
  }
  for (const q of ['limit=0', 'limit=-1', 'limit=501', 'limit=1e3', 'limit=abc', 'state=done', 'cursor=bm9wZQ', 'color=red']) {
    const res = await get(`/api/v1/jobs?${q}`);
    assert.is(res.status, 400, q);
    assert.is(await code(res), 'VALIDATION_FAILED', q);
  }
  assert.is((await get('/api/v1/jobs?limit=500')).status, 200);
  assert.equal(f.serverErrors(), []);
});

test('submit → 201 with the job; get; idempotent replay 200; another body 409; audit in order; cancel; retry refused', async () => {
  const res = await f.app.request('/api/v1/jobs', f.json('operator', body({ policy: { partialLadder: 'emit' } }), { 'idempotency-key': 'promo-2024-1' }));
  assert.is(res.status, 201);
  const job = (await res.json()) as JobDetail;
  assert.match(job.id, /^job_/);
  assert.ok(['queued', 'probing'].includes(job.state), job.state);
  assert.is(job.encoder, f.fixture!.image.id);
  assert.equal(job.input.key, clipKey);
  assert.match(job.input.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(job.policy, { partialLadder: 'emit' });
  assert.is(job.submittedBy, `token:${f.tokenIds.operator}`);

  const replay = await f.app.request('/api/v1/jobs', f.json('operator', body({ policy: { partialLadder: 'emit' } }), { 'idempotency-key': 'promo-2024-1' }));
  assert.is(replay.status, 200);
  assert.is(((await replay.json()) as JobDetail).id, job.id);
  const conflict = await f.app.request('/api/v1/jobs', f.json('operator', body({ packaging: ['dash'] }), { 'idempotency-key': 'promo-2024-1' }));
  assert.is(conflict.status, 409);
  assert.is(await code(conflict), 'IDEMPOTENCY_CONFLICT');

  const got = await f.app.request(`/api/v1/jobs/${job.id}`, { headers: f.auth('auditor') });
  assert.is(got.status, 200);
  const detail = (await got.json()) as JobDetail;
  assert.is(detail.id, job.id);
  assert.ok(Array.isArray(detail.tasks) && detail.tasks.every((t) => typeof t.kind === 'string' && typeof t.attempt === 'number'));

  const cancel = await f.app.request(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: f.auth('operator') });
  assert.is(cancel.status, 200);
  assert.is(((await cancel.json()) as JobDetail).state, 'cancelled');
  const again = await f.app.request(`/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: f.auth('admin') });
  assert.is(again.status, 409);
  assert.is(await code(again), 'JOB_FINISHED');
  const retry = await f.app.request(`/api/v1/jobs/${job.id}/retry`, { method: 'POST', headers: f.auth('operator') });
  assert.is(retry.status, 409);
  assert.is(await code(retry), 'JOB_NOT_RETRYABLE');
  const early = await f.app.request(`/api/v1/jobs/${job.id}/outputs/hls/master.m3u8`, { headers: f.auth('viewer') });
  assert.is(early.status, 409);
  assert.is(await code(early), 'JOB_NOT_FINISHED');

  const audit = await f.app.request(`/api/v1/jobs/${job.id}/audit`, { headers: f.auth('viewer') });
  assert.is(audit.status, 200);
  const events = ((await audit.json()) as { items: Array<{ seq: number; type: string; actor: string; job_id: string; hash: string }> }).items;
  const types = events.map((e) => e.type);
  assert.is(types[0], 'job.submitted');
  assert.ok(types.includes('job.cancelled'), types.join(','));
  assert.ok(
    events.every((e, i) => e.job_id === job.id && (i === 0 || e.seq > events[i - 1]!.seq)),
    'in seq order, this job only',
  );
  assert.is(events.find((e) => e.type === 'job.cancelled')!.actor, `token:${f.tokenIds.operator}`);
  const paged = (await (await f.app.request(`/api/v1/jobs/${job.id}/audit?limit=1`, { headers: f.auth('viewer') })).json()) as {
    items: unknown[];
    nextAfter: number;
  };
  assert.is(paged.items.length, 1);
  assert.is(paged.nextAfter, events[0]!.seq);
});

test('list: newest first, filtered by state, paged with a cursor', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await f.app.request('/api/v1/jobs', f.json('admin', body({ packaging: ['hls'] })));
    assert.is(res.status, 201);
    ids.push(((await res.json()) as JobDetail).id);
  }
  for (const id of ids) await f.app.request(`/api/v1/jobs/${id}/cancel`, { method: 'POST', headers: f.auth('operator') });
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await f.app.request(`/api/v1/jobs?state=cancelled&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      headers: f.auth('viewer'),
    });
    assert.is(res.status, 200);
    const page = (await res.json()) as { items: Array<{ id: string; state: string; input: { key: string } }>; nextCursor: string | null };
    assert.ok(page.items.length <= 2);
    assert.ok(page.items.every((j) => j.state === 'cancelled'));
    seen.push(...page.items.map((j) => j.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(seen.slice(0, 3), [...ids].reverse(), 'newest first');
  assert.is(new Set(seen).size, seen.length, 'no job twice across pages');
  assert.ok(pages >= 2);
});

test('a job runs to completed; its outputs are served, with ranges', async () => {
  const res = await f.app.request('/api/v1/jobs', f.json('operator', body()));
  const job = (await res.json()) as JobDetail;
  const done = await f.fixture!.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'completed', JSON.stringify(done.error));
  const detail = (await (await f.app.request(`/api/v1/jobs/${job.id}`, { headers: f.auth('viewer') })).json()) as JobDetail;
  assert.equal(detail.outputs, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
  const master = await f.app.request(`/api/v1/jobs/${job.id}/outputs/hls/master.m3u8`, { headers: f.auth('viewer') });
  assert.is(master.status, 200);
  assert.is(master.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  const text = await master.text();
  assert.match(text, /^#EXTM3U/);
  const mpd = await f.app.request(`/api/v1/jobs/${job.id}/outputs/dash/manifest.mpd`, { headers: f.auth('viewer', { range: 'bytes=0-4' }) });
  assert.is(mpd.status, 206);
  assert.is(mpd.headers.get('content-type'), 'application/dash+xml');
  assert.match(mpd.headers.get('content-range') ?? '', /^bytes 0-4\/\d+$/);
  assert.is(await mpd.text(), '<?xml');
  assert.equal(f.serverErrors(), []);
});

test('ladders: the templates, professional with its five rungs', async () => {
  const res = await f.app.request('/api/v1/ladders', { headers: f.auth('auditor') });
  assert.is(res.status, 200);
  const { items } = (await res.json()) as { items: Array<{ name: string; template: { rungs: Array<{ name: string }> } }> };
  const pro = items.find((l) => l.name === 'professional');
  assert.equal(
    pro?.template.rungs.map((r) => r.name),
    ['240p', '480p', '720p', '1080p', '2160p'],
  );
  assert.is((await f.app.request('/api/v1/ladders')).status, 401);
});

test.run();

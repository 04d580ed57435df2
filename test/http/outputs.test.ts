import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRange } from '../../src/http/routes/outputs.js';
import { apiApp, insertJob, type ErrorBody } from './jobs-api-fixture.js';

let f: Awaited<ReturnType<typeof apiApp>>;
const segment = randomBytes(100_000);
const playlist = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n240p/index.m3u8\n';

test.before(async () => {
  f = await apiApp();
  await insertJob(f.store, 'job_out1', 'promo.mov');
  const put = (key: string, body: Buffer | string) => f.objects.put('output', key, Readable.from([Buffer.from(body)]));
  await put('job_out1/hls/master.m3u8', playlist);
  await put('job_out1/hls/240p/seg_00001.m4s', segment);
  await put('job_out1/hls/240p/init.mp4', segment.subarray(0, 1000));
  await put('job_out1/dash/manifest.mpd', '<?xml version="1.0"?><MPD/>');
  await put('job_other/hls/master.m3u8', 'not yours');
  await f.objects.put('input', 'promo.mov', Readable.from([Buffer.from('master')]));
});
test.after(async () => {
  await f.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  f.app.request(`/api/v1/jobs/job_out1/outputs/${path}`, { headers: f.auth('viewer', headers) });

test('a whole file: 200 with its content type, length, Accept-Ranges and the sha256 as ETag', async () => {
  const res = await get('hls/master.m3u8');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.is(res.headers.get('accept-ranges'), 'bytes');
  assert.is(res.headers.get('content-length'), String(Buffer.byteLength(playlist)));
  assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{64}"$/);
  assert.is(await res.text(), playlist);
  const types: Array<[string, string]> = [
    ['dash/manifest.mpd', 'application/dash+xml'],
    ['hls/240p/seg_00001.m4s', 'video/iso.segment'],
    ['hls/240p/init.mp4', 'video/mp4'],
  ];
  for (const [path, type] of types) {
    const r = await get(path, {});
    assert.is(r.status, 200, path);
    assert.is(r.headers.get('content-type'), type, path);
    await r.arrayBuffer();
  }
});

test('ranges: a-b, a-, and -n suffixes are 206 with Content-Range and exactly those bytes', async () => {
  const size = segment.length;
  const cases: Array<[string, number, number]> = [
    ['bytes=0-99', 0, 99],
    ['bytes=1000-1999', 1000, 1999],
    ['bytes=99990-', 99990, size - 1],
    ['bytes=-500', size - 500, size - 1],
    ['bytes=99000-200000', 99000, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await get('hls/240p/seg_00001.m4s', { range });
    assert.is(res.status, 206, range);
    assert.is(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
    assert.is(res.headers.get('content-length'), String(end - start + 1), range);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(segment.subarray(start, end + 1)), range);
  }
});

test('an unsatisfiable range is 416 with Content-Range bytes */size; a malformed one is ignored (200)', async () => {
  for (const range of ['bytes=100000-', 'bytes=200000-300000', 'bytes=-0']) {
    const res = await get('hls/240p/seg_00001.m4s', { range });
    assert.is(res.status, 416, range);
    assert.is(res.headers.get('content-range'), `bytes */${segment.length}`);
    assert.is(((await res.json()) as ErrorBody).error.code, 'RANGE_NOT_SATISFIABLE');
  }
  for (const range of ['items=0-5', 'bytes=5-1', 'bytes=0-1,5-6', 'bytes=abc']) {
    const res = await get('hls/master.m3u8', { range });
    assert.is(res.status, 200, range);
    assert.is(await res.text(), playlist);
  }
  assert.equal(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
  assert.is(parseRange('bytes=-5', 0), 'unsatisfiable');
  assert.is(parseRange(undefined, 10), undefined);
});

test('paths are validated: no traversal to other jobs or buckets, no reserved names', async () => {
  for (const path of [
    '..%2Fjob_other%2Fhls%2Fmaster.m3u8',
    'hls%2F..%2F..%2Fjob_other%2Fhls%2Fmaster.m3u8',
    'hls%5Cmaster.m3u8',
    'hls/.mpegflow-x',
    'hls/%00',
  ]) {
    const res = await get(path);
    assert.is(res.status, 400, path);
    assert.is(((await res.json()) as ErrorBody).error.code, 'OUTPUT_PATH_INVALID', path);
  }
  // Plain dot segments are resolved by URL parsing and never reach the route with them.
  const dots = await get('../../job_other/hls/master.m3u8');
  assert.ok(dots.status === 404, String(dots.status));
  assert.not.match(await dots.text(), /not yours/);
  assert.equal(f.serverErrors(), []);
});

test('unknown job 404 JOB_NOT_FOUND, missing file 404 OUTPUT_NOT_FOUND, no token 401', async () => {
  const noJob = await f.app.request('/api/v1/jobs/job_other/outputs/hls/master.m3u8', { headers: f.auth('viewer') });
  assert.is(noJob.status, 404);
  assert.is(((await noJob.json()) as ErrorBody).error.code, 'JOB_NOT_FOUND');
  const noFile = await get('hls/1080p/index.m3u8');
  assert.is(noFile.status, 404);
  assert.is(((await noFile.json()) as ErrorBody).error.code, 'OUTPUT_NOT_FOUND');
  const anon = await f.app.request('/api/v1/jobs/job_out1/outputs/hls/master.m3u8');
  assert.is(anon.status, 401);
  const expired = await f.app.request('/api/v1/jobs/job_out1/outputs/hls/master.m3u8', { headers: f.auth('expired') });
  assert.is(expired.status, 401);
});

test.run();

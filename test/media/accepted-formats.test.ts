import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptedFormatsPolicy, assertAccepted, checkAccepted, defaultAcceptedFormats } from '../../src/media/accepted-formats.js';
import { readProbe } from '../../src/media/parse-probe.js';
import { isApplianceError } from '../../src/errors/appliance-error.js';
import { fakeInfo, fakeProbeDoc } from './probe-doc.js';

const codes = (v: ReturnType<typeof checkAccepted>) => (v.accepted ? [] : v.reasons.map((r) => r.code));

test('a ProRes HQ 1080p master with PCM audio is accepted by default', () => {
  assert.equal(checkAccepted(fakeInfo({ width: 1920, height: 1080 })), { accepted: true });
  assert.equal(checkAccepted(readProbe(fakeProbeDoc({ width: 1920, height: 1080 }))), { accepted: true });
});

test('a 16k x 16k frame is over the 8192 limit; 8192x4320 is not', () => {
  const v = checkAccepted(fakeInfo({ width: 16384, height: 16384 }));
  assert.equal(codes(v), ['MEDIA_RESOLUTION_TOO_LARGE']);
  assert.match((v as { reasons: Array<{ message: string }> }).reasons[0]!.message, /16384x16384 is over the limit of 8192x8192/);
  assert.equal(checkAccepted(fakeInfo({ width: 8192, height: 4320 })), { accepted: true });
});

test('every applicable reason is listed, each with a message', () => {
  const noHdr = acceptedFormatsPolicy({ allowHdr: false });
  const v = checkAccepted(fakeInfo({ width: 32, height: 32, codec: 'theora', duration: 0, transfer: 'smpte2084' }), noHdr);
  assert.equal(codes(v).sort(), ['MEDIA_DURATION_UNKNOWN', 'MEDIA_HDR_UNSUPPORTED', 'MEDIA_RESOLUTION_TOO_SMALL', 'MEDIA_VIDEO_CODEC_UNSUPPORTED']);
  // HDR is taken by default: templates carry it through or tone-map it.
  assert.not.ok(codes(checkAccepted(fakeInfo({ width: 3840, height: 2160, transfer: 'smpte2084' }))).includes('MEDIA_HDR_UNSUPPORTED'));
  if (!v.accepted) for (const r of v.reasons) assert.ok(r.message.length > 10);
});

test('duration, frame rate, container and audio codec limits', () => {
  assert.equal(codes(checkAccepted(fakeInfo({ width: 1920, height: 1080, duration: 0.2 }))), ['MEDIA_DURATION_TOO_SHORT']);
  assert.equal(codes(checkAccepted(fakeInfo({ width: 1920, height: 1080, duration: 90_000 }))), ['MEDIA_DURATION_TOO_LONG']);
  assert.equal(codes(checkAccepted(fakeInfo({ width: 1920, height: 1080, rate: '240/1' }))), ['MEDIA_FRAME_RATE_UNSUPPORTED']);
  const doc = fakeProbeDoc({ width: 1920, height: 1080 });
  (doc['format'] as Record<string, unknown>)['format_name'] = 'flv';
  assert.equal(codes(checkAccepted(readProbe(doc))), ['MEDIA_CONTAINER_UNSUPPORTED']);
  const weird = fakeProbeDoc({ width: 1920, height: 1080 });
  (weird['streams'] as Array<Record<string, unknown>>)[1]!['codec_name'] = 'adpcm_ima_qt';
  assert.equal(codes(checkAccepted(readProbe(weird))), ['MEDIA_AUDIO_CODEC_UNSUPPORTED']);
});

test('no streams at all: MEDIA_NO_VIDEO; missing format: MEDIA_UNREADABLE', () => {
  assert.equal(codes(checkAccepted(readProbe({ streams: [], format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3' } }))), ['MEDIA_NO_VIDEO']);
  assert.equal(codes(checkAccepted(readProbe({ streams: [] }))), ['MEDIA_UNREADABLE']);
  assert.equal(codes(checkAccepted(readProbe({}))), ['MEDIA_UNREADABLE']);
});

test('cover art is not a video stream', () => {
  const doc = {
    streams: [
      { index: 0, codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
      { index: 1, codec_type: 'audio', codec_name: 'mp3' },
    ],
    format: { format_name: 'mp3', duration: '200' },
  };
  const o = readProbe(doc);
  assert.ok(o.readable && o.info.video === null && o.info.videoStreamCount === 0);
  assert.ok(codes(checkAccepted(o)).includes('MEDIA_AUDIO_ONLY'));
});

test('policy is configurable and validated', () => {
  const hdrOk = acceptedFormatsPolicy({ allowHdr: true, maxWidth: 4096, maxHeight: 4096 });
  assert.equal(checkAccepted(fakeInfo({ width: 3840, height: 2160, transfer: 'arib-std-b67' }), hdrOk), { accepted: true });
  assert.equal(codes(checkAccepted(fakeInfo({ width: 7680, height: 4320 }), hdrOk)), ['MEDIA_RESOLUTION_TOO_LARGE']);
  assert.ok(Object.isFrozen(defaultAcceptedFormats));
  for (const bad of [{ maxWidth: 0 }, { minWidth: 9000 }, { maxDurationSeconds: Number.NaN }]) {
    try {
      acceptedFormatsPolicy(bad);
      assert.unreachable(JSON.stringify(bad));
    } catch (err) {
      assert.ok(isApplianceError(err));
      assert.is(err.code, 'MEDIA_ARGUMENT_INVALID');
    }
  }
});

test('assertAccepted throws one 422 MEDIA_REJECTED carrying every reason', () => {
  try {
    assertAccepted(fakeInfo({ width: 16384, height: 16384, codec: 'theora' }));
    assert.unreachable();
  } catch (err) {
    assert.ok(isApplianceError(err));
    assert.is(err.code, 'MEDIA_REJECTED');
    assert.is(err.status, 422);
    assert.is((err.details!['reasons'] as unknown[]).length, 2);
    assert.match(err.message, /and 1 more/);
  }
  assert.is(assertAccepted(fakeInfo({ width: 1920, height: 1080 })).video!.width, 1920);
});

test.run();

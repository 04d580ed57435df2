import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProgressBlock, ProgressReader } from '../../src/media/progress.js';

const block = (outTimeUs: string, progress = 'continue') =>
  `frame=75\nfps=37.5\nstream_0_0_q=28.0\nbitrate= 812.3kbits/s\ntotal_size=262192\nout_time_us=${outTimeUs}\nout_time_ms=${outTimeUs}\nout_time=00:00:03.000000\ndup_frames=0\ndrop_frames=0\nspeed=1.5x\nprogress=${progress}\n`;

test('a block parses to fraction, fps, speed and output time', () => {
  assert.equal(parseProgressBlock(block('3000000'), 6), { fraction: 0.5, fps: 37.5, speed: 1.5, outTimeSeconds: 3, frame: 75, done: false });
});

test('the end block is 1; unknown duration gives no fraction; N/A values are null', () => {
  assert.is(parseProgressBlock(block('5960000', 'end'), 6).fraction, 1);
  assert.is(parseProgressBlock(block('3000000'), null).fraction, null);
  const early = parseProgressBlock('frame=0\nfps=0.00\nout_time_us=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n', 6);
  assert.equal(early, { fraction: null, fps: 0, speed: null, outTimeSeconds: null, frame: 0, done: false });
  assert.is(parseProgressBlock(block('9000000'), 6).fraction, 1, 'clamped');
  assert.is(parseProgressBlock(block('-5000'), 6).outTimeSeconds, 3, 'negative µs falls back to out_time');
});

test('the reader splits a stream at progress= lines, whatever the chunking', () => {
  const text = block('1000000') + block('2000000') + block('6000000', 'end');
  const r = new ProgressReader(6);
  const got = [...r.push(text.slice(0, 50)), ...r.push(text.slice(50, 400)), ...r.push(text.slice(400))];
  assert.equal(
    got.map((p) => p.outTimeSeconds),
    [1, 2, 6],
  );
  assert.equal(
    got.map((p) => p.done),
    [false, false, true],
  );
  assert.equal(new ProgressReader(6).push(text.slice(0, -1)).length, 2, 'an unterminated last line waits for more');
});

test.run();

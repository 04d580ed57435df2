import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkInput } from '../../src/media/argv-values.js';
import { probeArgs } from '../../src/media/probe-args.js';
import { redactProbeTags } from '../../src/media/probe-redaction.js';

const sha = (v: string): string => `sha256:${createHash('sha256').update(v).digest('hex')}`;

test('free-text tags of format, streams and chapters become sha256 of their value; language stays; nothing else changes', () => {
  const doc = {
    format: { filename: 'x', duration: '3.0', tags: { title: 'Unreleased Feature (final mix)', encoder: 'Lavf61' } },
    streams: [
      { index: 0, codec_name: 'h264', tags: { language: 'eng', handler_name: 'VideoHandler' } },
      { index: 1, codec_name: 'aac' },
    ],
    chapters: [{ id: 0, tags: { title: 'Reel 1' } }],
  };
  assert.equal(redactProbeTags(doc), {
    format: { filename: 'x', duration: '3.0', tags: { title: sha('Unreleased Feature (final mix)'), encoder: sha('Lavf61') } },
    streams: [
      { index: 0, codec_name: 'h264', tags: { language: 'eng', handler_name: sha('VideoHandler') } },
      { index: 1, codec_name: 'aac' },
    ],
    chapters: [{ id: 0, tags: { title: sha('Reel 1') } }],
  });
  assert.is(redactProbeTags(null), null);
});

test('encoder inputs: an absolute path, or exactly the loopback range-server URL shape', () => {
  const url = `http://127.0.0.1:40123/${'0f'.repeat(16)}`;
  assert.is(checkInput(url, 'input'), url);
  assert.ok(probeArgs(url).includes(url));
  for (const bad of [
    `http://10.0.0.1:80/${'0f'.repeat(16)}`,
    'http://127.0.0.1:80/x',
    `https://127.0.0.1:1/${'0f'.repeat(16)}`,
    'file:/etc/passwd',
    'relative.mov',
  ]) {
    assert.throws(() => checkInput(bad, 'input'), /absolute path/, bad);
  }
});

test.run();

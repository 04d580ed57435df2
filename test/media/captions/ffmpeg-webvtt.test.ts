// The WebVTT the appliance writes, read by the real FFmpeg 7.1 of the encoder image; and the
// WebVTT ffmpeg writes (from a sidecar, and from a subtitle stream embedded in an MP4), read
// by the appliance. Needs the test image (test/helpers/ffmpeg-image.ts): fails without it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plainCueText } from '../../../src/media/captions/cue-text.js';
import type { Cue } from '../../../src/media/captions/cue.js';
import { readCaption } from '../../../src/media/captions/read-caption.js';
import { writeWebVtt } from '../../../src/media/captions/write-webvtt.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { mediaTools, type MediaTools } from '../media-tools.js';
import { bytes } from './caption-fixtures.js';

const SOURCE = [
  '1',
  '00:00:01,000 --> 00:00:02,500',
  '<font color="red">Hello</font> <i>there</i>',
  'A & B < C > D',
  '',
  '2',
  '00:00:02,000 --> 00:00:04,000',
  'overlapping, <b>bold</b>',
  '',
  '3',
  '00:01:03,250 --> 00:01:05,000',
  'Ünïcödé 漢字',
  '',
].join('\r\n');

let tools: MediaTools;
let dir: string;

test.before(async () => {
  tools = await mediaTools();
  dir = tempDir('mpegflow-captions-');
});

const timed = (cues: readonly Cue[]) => cues.map((c) => [c.start, c.end, plainCueText(c.text)]);

test('ffmpeg reads the WebVTT we write without an error, every cue, same times and text', () => {
  const source = readCaption(bytes(SOURCE), { format: 'srt' });
  const vtt = join(dir, 'out.vtt');
  writeFileSync(vtt, writeWebVtt([...source.cues, { start: 70, end: 71, text: 'settings', settings: { line: '90%', align: 'start' } }]));
  // To SubRip on stdout, at warning level: no complaint about the file, and every cue comes out.
  const check = tools.ffmpeg(['-hide_banner', '-v', 'warning', '-i', vtt, '-f', 'srt', '-']);
  assert.is(check.status, 0, check.stderr);
  assert.is(check.stderr.trim(), '', 'no warnings or errors');
  const back = readCaption(bytes(check.stdout), { format: 'srt' });
  assert.is(back.cues.length, source.cues.length + 1);
  assert.equal(timed(back.cues), [...timed(source.cues), [70, 71, 'settings']]);
});

test('the WebVTT ffmpeg writes from a sidecar reads as the sidecar does', () => {
  const srt = join(dir, 'in.srt');
  writeFileSync(srt, SOURCE);
  const vtt = join(dir, 'from-srt.vtt');
  tools.make(['-i', srt, vtt]);
  const fromFfmpeg = readCaption(readFileSync(vtt), { format: 'webvtt' });
  const direct = readCaption(bytes(SOURCE), { format: 'srt' });
  assert.is(fromFfmpeg.format, 'webvtt');
  assert.equal(fromFfmpeg.cues, direct.cues);
});

test('the WebVTT ffmpeg extracts from a subtitle stream in an MP4 reads as the source does', () => {
  // mov_text samples cannot overlap (ffmpeg cuts the first cue at the second's start): a source without overlaps.
  const source = SOURCE.replace('00:00:02,000 --> 00:00:04,000', '00:00:02,500 --> 00:00:04,000');
  const srt = join(dir, 'embed.srt');
  writeFileSync(srt, source);
  const mp4 = join(dir, 'subs.mp4');
  tools.make(['-i', srt, '-c:s', 'mov_text', mp4]);
  const vtt = join(dir, 'extracted.vtt');
  tools.make(['-i', mp4, '-map', '0:s:0', '-f', 'webvtt', vtt]);
  const extracted = readCaption(readFileSync(vtt));
  assert.equal(timed(extracted.cues), timed(readCaption(bytes(source)).cues));
});

test.run();

// `mpegflow submit --caption FILE[:LANG]`: parsed before anything is uploaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCaptionArg, parseCaptionArgs } from '../../src/cli/caption-args.js';

test('--caption FILE[:LANG]: the language given, else from the name; not a caption file; two files under one key', () => {
  assert.equal(parseCaptionArg('/srv/subs/Movie.fr.vtt'), { file: '/srv/subs/Movie.fr.vtt', key: 'Movie.fr.vtt', language: 'fr' });
  assert.equal(parseCaptionArg('subs.srt:de'), { file: 'subs.srt', key: 'subs.srt', language: 'de' });
  assert.equal(parseCaptionArg('Movie.en.vtt:pt-BR'), { file: 'Movie.en.vtt', key: 'Movie.en.vtt', language: 'pt-BR' });
  assert.equal(parseCaptionArg('dir:x/captions.ttml'), { file: 'dir:x/captions.ttml', key: 'captions.ttml', language: null });
  assert.throws(() => parseCaptionArg('notes.txt:en'), /CAPTION|not a caption file/);
  assert.throws(() => parseCaptionArg(':en'), /expected FILE\[:LANG\]/);
  assert.throws(() => parseCaptionArgs(['a/Movie.en.vtt', 'b/Movie.en.vtt'], 'Movie.mov'), /also named Movie\.en\.vtt/);
  assert.equal(
    parseCaptionArgs(['a.srt:en', 'b.vtt'], 'Movie.mov').map((c) => c.key),
    ['a.srt', 'b.vtt'],
  );
});

test.run();

// docs/captions.md documents every fix code and every refusal code of the caption module.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../../src/errors/error-codes.js';
import { CAPTION_ERROR_CODES } from '../../../src/media/captions/caption-errors.js';
import { CAPTION_FIX_CODES } from '../../../src/media/captions/cue.js';

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/captions.md', import.meta.url)), 'utf8');

test('every fix code has its row in the fixes table, and the table no other', () => {
  const rows = [...doc.matchAll(/^\| `(CAPTION_[A-Z_]+)` \| (fix|warning) \|/gm)].map((m) => m[1]);
  assert.equal([...rows].sort(), [...CAPTION_FIX_CODES].sort());
});

test('every refusal code is named in the page and is a 422 of the error catalog', () => {
  for (const code of CAPTION_ERROR_CODES) {
    assert.ok(doc.includes(`\`${code}\``), code);
    assert.is(ERROR_CODES[code], 422, code);
  }
  assert.equal(
    Object.keys(ERROR_CODES).filter((c) => c.startsWith('CAPTION_')),
    [...CAPTION_ERROR_CODES],
  );
});

test.run();

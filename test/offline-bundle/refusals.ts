import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as assert from 'uvu/assert';
import type { Ran } from '../helpers/offline-bundle.js';

/** A refusal: exit 1, exactly one line on stderr naming why, and the host unchanged (no prefix, no data dir, no staging left). */
export function assertRefused(r: Ran, why: RegExp, paths: { prefix: string; data: string; prefixExisted?: boolean }): void {
  assert.is(r.code, 1, `expected a refusal, got exit ${r.code}:\n${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `more than one line:\n${r.stderr}`);
  assert.match(lines[0]!, /^install\.sh: refused: /);
  assert.match(lines[0]!, why);
  if (!paths.prefixExisted) assert.not.ok(existsSync(paths.prefix), 'the prefix was created');
  assert.not.ok(existsSync(paths.data), 'the data dir was created');
  const parent = dirname(paths.prefix);
  if (existsSync(parent))
    assert.equal(
      readdirSync(parent).filter((n) => n.startsWith('.mpegflow-staging')),
      [],
      'staging left behind',
    );
}

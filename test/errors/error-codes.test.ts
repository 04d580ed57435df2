// The error catalog (src/errors/error-codes.ts) and docs/error-codes.md hold the same codes
// with the same HTTP statuses; an ApplianceError answers with its catalog status.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { ERROR_CODES, httpStatusOf, isErrorCode } from '../../src/errors/error-codes.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/error-codes.md', import.meta.url)), 'utf8');

/** Every `| \`CODE\` | STATUS | meaning |` row of the page: code → status (null for —). */
function documented(): Map<string, (number | null)[]> {
  const rows = new Map<string, (number | null)[]>();
  for (const m of doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+?) \|/gm)) {
    const status = m[2]!.trim() === '—' ? null : Number(m[2]!.trim());
    rows.set(m[1]!, [...(rows.get(m[1]!) ?? []), status]);
  }
  return rows;
}

test('every catalog code is documented once, with its status', () => {
  const rows = documented();
  const wrong: string[] = [];
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    const found = rows.get(code);
    if (!found) wrong.push(`${code}: not in docs/error-codes.md`);
    else if (found.length !== 1) wrong.push(`${code}: documented ${found.length} times`);
    else if (found[0] !== status) wrong.push(`${code}: the page says ${found[0] ?? '—'}, the catalog ${status ?? '—'}`);
  }
  assert.equal(wrong, []);
});

test('every documented code is in the catalog', () => {
  assert.equal(
    [...documented().keys()].filter((c) => !isErrorCode(c)),
    [],
  );
});

test('a status is a real HTTP error status; an ApplianceError answers with its code’s', () => {
  for (const [code, status] of Object.entries(ERROR_CODES)) if (status !== null) assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
  assert.is(new ApplianceError('ENCODER_UNKNOWN', 'x').status, 400);
  assert.is(new ApplianceError('ENCODER_REMOVED', 'x').status, 409);
  assert.is(new ApplianceError('CONFIG_INVALID', 'x').status, 500, 'a code that is never an HTTP answer is a 500 if it reaches the edge');
  assert.is(httpStatusOf('STORAGE_NO_SPACE'), 507);
  assert.not.ok(isErrorCode('toString'), 'only own keys are codes');
});

test.run();

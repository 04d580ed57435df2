// eslint and prettier over the whole tree, as `npm run lint` runs them: a lint error or an
// unformatted file fails the suite, so the house style is checked, not hoped for.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string): string => join(root, 'node_modules/.bin', name);

test('eslint reports nothing', () => {
  const r = spawnSync(bin('eslint'), ['--max-warnings', '0', '.'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, `eslint:\n${r.stdout}${r.stderr}`);
});

test('every file is as prettier formats it', () => {
  const r = spawnSync(bin('prettier'), ['--check', '--log-level', 'warn', '.'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, `prettier --check (run \`npm run format\`):\n${r.stdout}${r.stderr}`);
});

test.run();

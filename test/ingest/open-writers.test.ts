// The /proc adapter on real processes: a writer in another process is seen, a reader is not,
// and a file nobody holds is not.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { procOpenWriters } from '../../src/ingest/open-writers.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A child process holding `path` open with `flags` until killed; resolves once it has it open. */
function holder(path: string, flags: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `require('fs').openSync(${JSON.stringify(path)}, ${JSON.stringify(flags)}); console.log('open'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

test('writers (w, a, r+) in another process are seen; a reader and an idle file are not', async () => {
  const dir = tempDir();
  const files = Object.fromEntries(['w', 'a', 'r+', 'r', 'idle'].map((k) => [k, join(dir, `file-${k.replace('+', 'plus')}.mov`)]));
  for (const path of Object.values(files)) writeFileSync(path, 'x');
  const children = await Promise.all(['w', 'a', 'r+', 'r'].map((flags) => holder(files[flags]!, flags)));
  try {
    const writing = await procOpenWriters().openForWriting(Object.values(files));
    assert.equal([...writing].sort(), [files.w!, files.a!, files['r+']!].sort());
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.equal([...(await procOpenWriters().openForWriting(Object.values(files)))], []);
});

test('a /proc that cannot be read reports no writer (and does not throw)', async () => {
  assert.equal([...(await procOpenWriters(join(tempDir(), 'no-proc')).openForWriting(['/x']))], []);
});

test.run();

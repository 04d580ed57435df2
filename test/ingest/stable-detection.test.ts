// Stable detection on real files: a file still growing, or held open for writing by a
// process, is not taken; partial-copy names are never looked at.
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ingestFixture, sleep } from './ingest-fixture.js';

const f = await ingestFixture({ folder: { stableSeconds: 1, rescanSeconds: 0.2 } });
await f.startService();
test.after(() => f.close());

const stateOf = async (name: string) => (await f.ingests()).find((i) => i.name === name)?.state;

test('a file that keeps growing is not taken until it has stopped for stableSeconds', async () => {
  const path = join(f.root, 'growing.mxf');
  writeFileSync(path, Buffer.alloc(64 * 1024, 1));
  const started = Date.now();
  while (Date.now() - started < 3500) {
    await sleep(300);
    appendFileSync(path, Buffer.alloc(64 * 1024, 2));
    assert.ok(existsSync(path), 'still in the folder while it grows');
    assert.is(await stateOf('growing.mxf'), 'detected');
  }
  const finalSize = statSync(path).size;
  const stoppedAt = Date.now();
  await f.ingestedToDone('growing.mxf');
  assert.ok(Date.now() - stoppedAt >= 900, 'taken only after the stable time');
  const ingest = (await f.ingests()).find((i) => i.name === 'growing.mxf')!;
  assert.is(ingest.state, 'done');
  assert.is(ingest.size, finalSize, 'the whole file was stored, not a prefix');
  assert.is((await f.objects.stat('input', ingest.inputKey!)).size, finalSize);
  assert.is((await f.audit('ingest.detected')).filter((e) => e.name === 'growing.mxf').length, 1, 'detected once, not at every change');
});

test('a file held open for writing is not taken, however long it stays unchanged; it is taken once closed', async () => {
  const path = join(f.root, 'held.mov');
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.alloc(100_000, 3));
  try {
    await sleep(3000); // three times the stable time
    assert.ok(existsSync(path), 'not taken while a writer has it open');
    assert.is(await stateOf('held.mov'), 'detected');
  } finally {
    closeSync(fd);
  }
  await f.ingestedToDone('held.mov');
  assert.is(await stateOf('held.mov'), 'done');
});

test('.part, .tmp and dotfiles are ignored', async () => {
  for (const name of ['master.mov.part', 'master.mov.tmp', 'UPPER.PART', '.hidden.mov', '.~lock.mov']) writeFileSync(join(f.root, name), 'partial');
  await sleep(2500);
  for (const name of ['master.mov.part', 'master.mov.tmp', 'UPPER.PART', '.hidden.mov', '.~lock.mov']) assert.ok(existsSync(join(f.root, name)), name);
  const names = (await f.ingests()).map((i) => i.name);
  assert.not.ok(
    names.some((n) => /part|tmp|PART|hidden|lock/.test(n)),
    names.join(','),
  );
  assert.equal(readdirSync(join(f.root, 'failed')), []);
});

test.run();

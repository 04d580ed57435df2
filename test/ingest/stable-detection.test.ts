// Stable detection on real files: a file still growing, or held open for writing by a
// process, is not taken; partial-copy names are never looked at.
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PassReport } from '../../src/ingest/watch-folder.js';
import { ingestFixture } from './ingest-fixture.js';

const f = await ingestFixture({ folder: { stableSeconds: 1, rescanSeconds: 0.2 } });
await f.startService();
test.after(() => f.close());

const stateOf = async (name: string) => (await f.ingests()).find((i) => i.name === name)?.state;

/** Passes until the folder has looked `times` times after `ms` have gone by (a pass seen, not a time slept). */
async function passesFor(ms: number, each: (report: PassReport) => void | Promise<void>): Promise<number> {
  const started = Date.now();
  let passes = 0;
  while (Date.now() - started < ms) {
    const [report] = await f.service.nextPass();
    passes++;
    await each(report!);
  }
  return passes;
}

test('a file that keeps growing is not taken until it has stopped for stableSeconds', async () => {
  const path = join(f.root, 'growing.mxf');
  writeFileSync(path, Buffer.alloc(64 * 1024, 1));
  // Grow it between every two passes for three and a half stable times: each pass sees a new size.
  const passes = await passesFor(3500, async (report) => {
    assert.ok(report.seen.includes('growing.mxf'), 'the pass looked at it');
    assert.not.ok(report.taken.includes('growing.mxf'), 'not taken while it grows');
    appendFileSync(path, Buffer.alloc(64 * 1024, 2));
    assert.ok(existsSync(path), 'still in the folder while it grows');
    assert.is(await stateOf('growing.mxf'), 'detected');
  });
  assert.ok(passes >= 5, `looked at it ${passes} times while it grew`);
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
    // Three times the stable time: from the first pass that found it stable, every pass sees the writer and leaves it.
    let heldOpen = 0;
    await passesFor(3000, (report) => {
      if (report.heldOpen.includes('held.mov')) heldOpen++;
      assert.not.ok(report.taken.includes('held.mov'), 'not taken while a writer has it open');
    });
    assert.ok(heldOpen >= 3, `found stable and held open in ${heldOpen} passes`);
    assert.ok(existsSync(path), 'not taken while a writer has it open');
    assert.is(await stateOf('held.mov'), 'detected');
  } finally {
    closeSync(fd);
  }
  await f.ingestedToDone('held.mov');
  assert.is(await stateOf('held.mov'), 'done');
});

test('.part, .tmp and dotfiles are ignored', async () => {
  const names = ['master.mov.part', 'master.mov.tmp', 'UPPER.PART', '.hidden.mov', '.~lock.mov'];
  for (const name of names) writeFileSync(join(f.root, name), 'partial');
  // Past the stable time, every pass still passes them by.
  await passesFor(1500, (report) =>
    assert.equal(
      report.seen.filter((n) => names.includes(n)),
      [],
      report.seen.join(','),
    ),
  );
  for (const name of names) assert.ok(existsSync(join(f.root, name)), name);
  const recorded = (await f.ingests()).map((i) => i.name);
  assert.not.ok(
    recorded.some((n) => /part|tmp|PART|hidden|lock/.test(n)),
    recorded.join(','),
  );
  assert.equal(readdirSync(join(f.root, 'failed')), []);
});

test.run();

// Caption sidecars in a watch folder, on real files with the real runtime: a master's
// `NAME.vtt` / `NAME.LANG.srt` go with it into one job as its captions and on to done/; a
// caption file is never a master; a sidecar still being written holds its master back; a
// sidecar with no master to go with goes to failed/ with INGEST_ORPHAN_SIDECAR.
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PassReport } from '../../src/ingest/watch-folder.js';
import type { ProbeInput } from '../../src/runtime/task-payloads.js';
import { eventually, ingestFixture, sha256Of, withoutImage } from './ingest-fixture.js';

const STABLE_SECONDS = 0.5;
const f = await ingestFixture({ folder: { stableSeconds: STABLE_SECONDS, rescanSeconds: 0.2, retrySeconds: 0.3, retryAttempts: 100 } });
await f.startService();
test.after(() => f.close());

const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n';
const SRT = '1\n00:00:00,000 --> 00:00:01,000\nBonjour\n';

const rowOf = async (name: string) => (await f.ingests()).find((i) => i.name === name);
const jobSubmitted = async (jobId: string) => (await f.store.audit.list({ jobId, type: 'job.submitted' }))[0]!.payload as { captions: unknown[] };

/** Passes for at least `ms`, each report handed to `each`. */
async function passesFor(ms: number, each: (report: PassReport) => void | Promise<void>): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) await each((await f.service.nextPass())[0]!);
}

/** Waits until `name` is in failed/ with its error file and its record says failed; returns the error file. */
async function orphaned(name: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  await eventually(
    `${name} failed`,
    async () => existsSync(join(f.root, 'failed', `${name}.error.json`)) && (await rowOf(name))?.state === 'failed',
    timeoutMs,
  );
  return JSON.parse(readFileSync(join(f.root, 'failed', `${name}.error.json`), 'utf8')) as Record<string, unknown>;
}

test('a master with two sidecars: one job whose submission has both captions (en, fr); the three files in done/', async () => {
  const jobs = await f.jobCount();
  writeFileSync(join(f.root, 'Movie.fr.srt'), SRT);
  writeFileSync(join(f.root, 'Movie.en.vtt'), VTT);
  writeFileSync(join(f.root, 'Movie.mov'), 'the master, dropped last');
  const shas = { en: sha256Of(join(f.root, 'Movie.en.vtt')), fr: sha256Of(join(f.root, 'Movie.fr.srt')) };

  const master = await f.ingestedToDone('Movie.mov');
  assert.is(await f.jobCount(), jobs + 1, 'one job: a caption file is never taken as a master');
  for (const name of ['Movie.mov', 'Movie.en.vtt', 'Movie.fr.srt']) {
    assert.ok(existsSync(join(f.root, 'done', name)), `${name} in done/`);
    assert.not.ok(existsSync(join(f.root, name)), `${name} left the folder`);
  }
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  assert.is(sha256Of(join(f.root, 'done', 'Movie.en.vtt')), shas.en, 'moved, not changed');

  // The submission: the master's input and the two captions (in name order), stored under keys beside its own, languages from the names.
  const en = { key: `${master.id}-Movie.en.vtt`, language: 'en' };
  const fr = { key: `${master.id}-Movie.fr.srt`, language: 'fr' };
  assert.is(master.inputKey, `${master.id}-Movie.mov`);
  assert.equal((await jobSubmitted(master.jobId!)).captions, [en, fr]);
  const probe = (await f.store.tasks.listByJob(master.jobId!)).find((t) => t.kind === 'probe')!;
  assert.equal((probe.input as ProbeInput).captions, [en, fr], 'the job takes them as its captions');
  assert.is((await f.objects.stat('input', en.key)).sha256, shas.en, 'stored and verified');
  assert.is((await f.objects.stat('input', fr.key)).sha256, shas.fr);

  // Each sidecar has its record, done with the master's job; the audit names them.
  for (const [name, sha] of [
    ['Movie.en.vtt', shas.en],
    ['Movie.fr.srt', shas.fr],
  ] as const) {
    const row = (await rowOf(name))!;
    assert.equal({ state: row.state, jobId: row.jobId, sha256: row.sha256 }, { state: 'done', jobId: master.jobId, sha256: sha }, name);
    const claimed = (await f.audit('ingest.claimed')).find((e) => e.name === name)!;
    assert.equal({ sidecarOf: claimed.sidecarOf, masterIngestId: claimed.masterIngestId }, { sidecarOf: 'Movie.mov', masterIngestId: master.id });
    assert.ok((await f.audit('ingest.stored')).some((e) => e.name === name && e.sha256 === sha && e.sidecarOf === 'Movie.mov'));
    assert.ok((await f.audit('ingest.done')).some((e) => e.name === name && e.movedTo === join(f.root, 'done', name)));
  }
  assert.equal((await f.audit('ingest.claimed')).find((e) => e.name === 'Movie.mov')!.captions, ['Movie.en.vtt', 'Movie.fr.srt']);
  const submitted = (await f.audit('ingest.submitted')).find((e) => e.name === 'Movie.mov')!;
  assert.equal(
    (submitted.captions as Array<Record<string, unknown>>).map((c) => [c.name, c.language, c.sha256]),
    [
      ['Movie.en.vtt', 'en', shas.en],
      ['Movie.fr.srt', 'fr', shas.fr],
    ],
  );
  assert.ok((await f.audit('ingest.detected')).some((e) => e.name === 'Movie.en.vtt' && e.caption === true));
  assert.ok((await f.store.audit.verify()).ok);
});

test('a sidecar NAME.vtt has no language; the same master and sidecars dropped again are not submitted again, another sidecar is a new job', async () => {
  writeFileSync(join(f.root, 'Clip.vtt'), VTT);
  writeFileSync(join(f.root, 'Clip.mxf'), 'clip bytes');
  const first = await f.ingestedToDone('Clip.mxf');
  assert.equal((await jobSubmitted(first.jobId!)).captions, [{ key: `${first.id}-Clip.vtt` }], 'no language given');
  const firstSidecar = (await rowOf('Clip.vtt'))!;
  const jobs = await f.jobCount();

  writeFileSync(join(f.root, 'Clip.vtt'), VTT);
  writeFileSync(join(f.root, 'Clip.mxf'), 'clip bytes');
  const again = await eventually('the second Clip.mxf done', async () =>
    (await f.ingests()).find((i) => i.name === 'Clip.mxf' && i.id !== first.id && i.state === 'done'),
  );
  assert.is(again.jobId, first.jobId, 'the job that has these bytes and these captions');
  assert.is(await f.jobCount(), jobs, 'no second job');
  assert.ok((await f.audit('ingest.duplicate')).some((e) => e.ingestId === again.id && e.duplicateOf === first.id));
  const sidecar = (await f.ingests()).find((i) => i.name === 'Clip.vtt' && i.id !== firstSidecar.id && i.state === 'done' && i.jobId === first.jobId);
  assert.ok(sidecar, 'its sidecar is done with the same job');
  assert.ok(existsSync(join(f.root, 'done', `${sidecar!.id}-Clip.vtt`)), 'kept in done/ beside the first, nothing overwritten');
  const keys: string[] = [];
  for await (const o of f.objects.list('input')) keys.push(o.key);
  assert.not.ok(
    keys.some((k) => k.startsWith(again.id)),
    'no copy kept in the input bucket',
  );

  // The same master with a corrected sidecar is a new job.
  writeFileSync(join(f.root, 'Clip.vtt'), `${VTT}\n00:00:01.000 --> 00:00:02.000\nfixed\n`);
  writeFileSync(join(f.root, 'Clip.mxf'), 'clip bytes');
  await eventually('the third Clip.mxf submitted', async () =>
    (await f.ingests()).some((i) => i.name === 'Clip.mxf' && i.state === 'done' && i.jobId !== first.jobId),
  );
  assert.is(await f.jobCount(), jobs + 1);
});

test('a sidecar still growing (or held open) when its master is stable: the master waits, then both go together', async () => {
  const sidecar = join(f.root, 'Grow.de.vtt');
  writeFileSync(sidecar, VTT);
  writeFileSync(join(f.root, 'Grow.mov'), 'a master that is complete');
  let waiting = 0;
  await passesFor(STABLE_SECONDS * 1000 * 4, async (report) => {
    if (report.waiting.includes('Grow.mov')) waiting++;
    assert.not.ok(report.taken.includes('Grow.mov'), 'not taken while its sidecar grows');
    assert.not.ok(report.orphaned.includes('Grow.de.vtt'));
    appendFileSync(sidecar, '\n00:00:01.000 --> 00:00:02.000\nmore\n');
  });
  assert.ok(waiting >= 3, `the stable master waited for its sidecar in ${waiting} passes`);
  assert.ok(existsSync(join(f.root, 'Grow.mov')));
  assert.is((await rowOf('Grow.mov'))!.state, 'detected');

  // Held open for writing, unchanged: still waiting.
  const fd = openSync(sidecar, 'a');
  try {
    writeSync(fd, '\n');
    let held = 0;
    await passesFor(STABLE_SECONDS * 1000 * 3, (report) => {
      if (report.waiting.includes('Grow.mov')) held++;
      assert.not.ok(report.taken.includes('Grow.mov'));
    });
    assert.ok(held >= 3, `waited for the open sidecar in ${held} passes`);
  } finally {
    closeSync(fd);
  }
  const master = await f.ingestedToDone('Grow.mov');
  assert.ok(existsSync(join(f.root, 'done', 'Grow.de.vtt')));
  assert.equal((await jobSubmitted(master.jobId!)).captions, [{ key: `${master.id}-Grow.de.vtt`, language: 'de' }]);
  assert.is((await f.objects.stat('input', `${master.id}-Grow.de.vtt`)).sha256, sha256Of(join(f.root, 'done', 'Grow.de.vtt')), 'the whole sidecar');
});

test('a sidecar without a master goes to failed/ after the grace period, with INGEST_ORPHAN_SIDECAR; other names are not sidecars', async () => {
  const jobs = await f.jobCount();
  const dropped = Date.now();
  writeFileSync(join(f.root, 'Lonely.en.vtt'), VTT);
  const error = await orphaned('Lonely.en.vtt');
  assert.ok(Date.now() - dropped >= STABLE_SECONDS * 4 * 1000, 'not before four times stableSeconds');
  assert.is(error.code, 'INGEST_ORPHAN_SIDECAR');
  assert.match(String(error.message), /Lonely\.en\.vtt.*no master/);
  assert.is(error.file, join(f.root, 'failed', 'Lonely.en.vtt'));
  assert.ok(existsSync(join(f.root, 'failed', 'Lonely.en.vtt')), 'moved, never deleted');
  const row = (await rowOf('Lonely.en.vtt'))!;
  assert.equal({ state: row.state, errorCode: row.errorCode, jobId: row.jobId }, { state: 'failed', errorCode: 'INGEST_ORPHAN_SIDECAR', jobId: null });
  assert.ok((await f.audit('ingest.failed')).some((e) => e.name === 'Lonely.en.vtt' && e.code === 'INGEST_ORPHAN_SIDECAR'));

  // Not NAME.EXT or NAME.LANG.EXT of the master: not its sidecar (the master goes alone, the caption is an orphan).
  writeFileSync(join(f.root, 'Show.v2.srt'), SRT);
  writeFileSync(join(f.root, 'Show.mov'), 'show');
  const show = await f.ingestedToDone('Show.mov');
  assert.equal((await jobSubmitted(show.jobId!)).captions, []);
  assert.is((await orphaned('Show.v2.srt')).code, 'INGEST_ORPHAN_SIDECAR');
  assert.is(await f.jobCount(), jobs + 1, 'no job for a caption file');
});

test('a sidecar whose name fits two masters goes with neither', async () => {
  writeFileSync(join(f.root, 'Twin.en.vtt'), VTT);
  writeFileSync(join(f.root, 'Twin.mov'), 'twin one');
  writeFileSync(join(f.root, 'Twin.mp4'), 'twin two');
  const error = await orphaned('Twin.en.vtt');
  assert.match(String(error.message), /more than one master.*Twin\.mov.*Twin\.mp4/);
  for (const name of ['Twin.mov', 'Twin.mp4']) {
    const row = await f.ingestedToDone(name);
    assert.equal((await jobSubmitted(row.jobId!)).captions, [], `${name} went alone`);
  }
});

test('a sidecar dropped after its master was taken is failed at once; a partial copy of its master keeps one waiting', async () => {
  const reimport = await withoutImage(f);
  try {
    writeFileSync(join(f.root, 'Early.mov'), 'claimed, waiting for an image');
    await eventually('Early.mov retrying in .processing/', async () =>
      (await f.audit('ingest.retry_scheduled')).some((e) => e.name === 'Early.mov') ? true : undefined,
    );
    writeFileSync(join(f.root, 'Early.en.vtt'), VTT);
    const error = await orphaned('Early.en.vtt', STABLE_SECONDS * 4 * 1000 - 200);
    assert.match(String(error.message), /after its master "Early\.mov" was taken; drop sidecars before or with their master/);
  } finally {
    await reimport();
  }
  await f.ingestedToDone('Early.mov');

  // rsync's partial name of a master (a dotfile) that starts with NAME.: the sidecar waits past the grace period.
  writeFileSync(join(f.root, '.Slow.mov.x7Ab2'), 'a master still being copied');
  writeFileSync(join(f.root, 'Slow.fr.srt'), SRT);
  await passesFor(STABLE_SECONDS * 1000 * 6, (report) => assert.not.ok(report.orphaned.includes('Slow.fr.srt')));
  assert.ok(existsSync(join(f.root, 'Slow.fr.srt')));
  // The copy finishes (renamed to its name): both go together.
  renameSync(join(f.root, '.Slow.mov.x7Ab2'), join(f.root, 'Slow.mov'));
  const slow = await f.ingestedToDone('Slow.mov');
  assert.equal((await jobSubmitted(slow.jobId!)).captions, [{ key: `${slow.id}-Slow.fr.srt`, language: 'fr' }]);
});

test('a master that fails goes to failed/ with its sidecars, each with its error file', async () => {
  const g = await ingestFixture({ folder: { stableSeconds: STABLE_SECONDS, rescanSeconds: 0.2, retryAttempts: 1 } });
  try {
    await withoutImage(g);
    await g.startService();
    writeFileSync(join(g.root, 'Doomed.en.vtt'), VTT);
    writeFileSync(join(g.root, 'Doomed.mov'), 'no image, and no retry');
    await eventually('Doomed.mov failed', async () => (await g.ingests()).find((i) => i.name === 'Doomed.mov' && i.state === 'failed'));
    for (const name of ['Doomed.mov', 'Doomed.en.vtt']) {
      assert.ok(existsSync(join(g.root, 'failed', name)), `${name} in failed/`);
      const error = JSON.parse(readFileSync(join(g.root, 'failed', `${name}.error.json`), 'utf8')) as Record<string, unknown>;
      assert.is(error.code, 'NO_ENCODER_IMAGE', name);
      const row = (await g.ingests()).find((i) => i.name === name)!;
      assert.equal({ state: row.state, errorCode: row.errorCode }, { state: 'failed', errorCode: 'NO_ENCODER_IMAGE' }, name);
    }
    const sidecarError = JSON.parse(readFileSync(join(g.root, 'failed', 'Doomed.en.vtt.error.json'), 'utf8')) as Record<string, unknown>;
    assert.is(sidecarError.sidecarOf, 'Doomed.mov');
    assert.equal(JSON.parse(readFileSync(join(g.root, 'failed', 'Doomed.mov.error.json'), 'utf8')).captions, ['Doomed.en.vtt']);
    assert.equal(readdirSync(join(g.root, '.processing')), []);
    assert.is(await g.jobCount(), 0);
  } finally {
    await g.close();
  }
});

test.run();

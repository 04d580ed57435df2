// Restarts with caption sidecars claimed: a master found in .processing/ at start resumes with
// the sidecars claimed with it (one job, its captions, all three files in done/), whatever
// step the stop came at; a sidecar found there without its master goes back to its master in
// the folder, or to failed/.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { folderContext, recordIngest } from '../../src/ingest/folder-context.js';
import { eventually, ingestFixture, withoutImage } from './ingest-fixture.js';

const f = await ingestFixture({ folder: { stableSeconds: 0.5, rescanSeconds: 0.2, retrySeconds: 0.3, retryAttempts: 100 } });
test.after(() => f.close());

const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n';
const SRT = '1\n00:00:00,000 --> 00:00:01,000\nBonjour\n';
const GROUP = ['Restart.mov', 'Restart.en.vtt', 'Restart.fr.srt'];

const rowsNamed = async (name: string) => (await f.ingests()).filter((i) => i.name === name);
const rowOf = async (name: string) => (await rowsNamed(name))[0]!;
const captionsOf = async (jobId: string) => ((await f.store.audit.list({ jobId, type: 'job.submitted' }))[0]!.payload as { captions: unknown[] }).captions;
const rewind = async (name: string, patch: Parameters<typeof recordIngest>[2]) =>
  recordIngest(folderContext(f.deps, f.folder, new AbortController().signal), (await rowOf(name)).id, patch, 'test.rewind', {});

test('a stop while a master and its sidecars wait in .processing/ (no image yet): the next start resumes them into one job with both captions', async () => {
  const reimport = await withoutImage(f);
  await f.startService();
  writeFileSync(join(f.root, 'Restart.en.vtt'), VTT);
  writeFileSync(join(f.root, 'Restart.fr.srt'), SRT);
  writeFileSync(join(f.root, 'Restart.mov'), 'claimed, then the appliance stopped');
  await eventually('Restart.mov retrying', async () => ((await f.audit('ingest.retry_scheduled')).some((e) => e.name === 'Restart.mov') ? true : undefined));
  await f.stopService();
  assert.equal(readdirSync(join(f.root, '.processing')).sort(), [...GROUP].sort(), 'claimed together');
  for (const name of GROUP) {
    const row = await rowOf(name);
    assert.equal({ state: row.state, errorCode: row.errorCode }, { state: 'claimed', errorCode: 'NO_ENCODER_IMAGE' }, name);
  }
  const jobs = await f.jobCount();

  await reimport();
  await f.startService();
  const master = await f.ingestedToDone('Restart.mov');
  assert.is(await f.jobCount(), jobs + 1, 'one job');
  assert.equal(await captionsOf(master.jobId!), [
    { key: `${master.id}-Restart.en.vtt`, language: 'en' },
    { key: `${master.id}-Restart.fr.srt`, language: 'fr' },
  ]);
  for (const name of GROUP) {
    assert.ok(existsSync(join(f.root, 'done', name)), `${name} in done/`);
    assert.is((await rowsNamed(name)).length, 1, `${name}: one ingest, resumed, not a second one`);
    const row = await rowOf(name);
    assert.equal({ state: row.state, jobId: row.jobId }, { state: 'done', jobId: master.jobId });
  }
  const resumed = await f.audit('ingest.resumed');
  assert.ok(resumed.some((e) => e.name === 'Restart.mov'));
  for (const name of GROUP.slice(1))
    assert.ok(
      resumed.some((e) => e.name === name && e.sidecarOf === 'Restart.mov'),
      `${name} resumed with its master`,
    );
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  await f.stopService();
});

test('a crash after the job was created but before it was recorded: the resume finds the job, records the sidecars with it, no second job', async () => {
  const jobId = (await rowOf('Restart.mov')).jobId;
  // Back to the moment just after runtime.submit returned: the three files in .processing/, records still "claimed".
  for (const name of GROUP) {
    renameSync(join(f.root, 'done', name), join(f.root, '.processing', name));
    await rewind(name, { state: 'claimed', jobId: null });
  }
  const jobs = await f.jobCount();
  await f.startService();
  await f.ingestedToDone('Restart.mov');
  assert.is(await f.jobCount(), jobs, 'no second job');
  for (const name of GROUP) {
    const row = await rowOf(name);
    assert.equal({ state: row.state, jobId: row.jobId }, { state: 'done', jobId }, name);
    assert.ok(existsSync(join(f.root, 'done', name)));
  }
  await f.stopService();
});

test('a stop between the moves to done/ (the sidecars moved, not the master): the next start finishes the move, no second job', async () => {
  const jobId = (await rowOf('Restart.mov')).jobId;
  renameSync(join(f.root, 'done', 'Restart.mov'), join(f.root, '.processing', 'Restart.mov'));
  for (const name of GROUP) await rewind(name, { state: 'submitted', jobId });
  const jobs = await f.jobCount();
  await f.startService();
  await f.ingestedToDone('Restart.mov');
  for (const name of GROUP.slice(1)) await eventually(`${name} recorded done`, async () => ((await rowOf(name)).state === 'done' ? true : undefined));
  assert.is(await f.jobCount(), jobs, 'no second job');
  const notes = (await f.audit('ingest.done')).filter((e) => typeof e.note === 'string').map((e) => e.name);
  assert.ok(notes.includes('Restart.en.vtt') && notes.includes('Restart.fr.srt'), notes.join(','));
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  await f.stopService();
});

test('files put in .processing/ before their records (claimed just before a crash): a master and its sidecar make one job', async () => {
  writeFileSync(join(f.root, '.processing', 'Hand.mov'), 'claimed before the crash');
  writeFileSync(join(f.root, '.processing', 'Hand.en.vtt'), VTT);
  await f.startService();
  const master = await f.ingestedToDone('Hand.mov');
  assert.equal(await captionsOf(master.jobId!), [{ key: `${master.id}-Hand.en.vtt`, language: 'en' }]);
  assert.ok(existsSync(join(f.root, 'done', 'Hand.en.vtt')));
  assert.ok((await f.audit('ingest.claimed')).some((e) => e.name === 'Hand.en.vtt' && e.resumed === true && e.sidecarOf === 'Hand.mov'));
  await f.stopService();
});

test('a sidecar in .processing/ without its master (a stop during the claim): back to its master in the folder, or to failed/', async () => {
  writeFileSync(join(f.root, '.processing', 'Back.en.vtt'), VTT);
  writeFileSync(join(f.root, 'Back.mov'), 'the master, not yet renamed when the claim stopped');
  writeFileSync(join(f.root, '.processing', 'Alone.fr.srt'), SRT);
  await f.startService();
  const master = await f.ingestedToDone('Back.mov');
  assert.equal(await captionsOf(master.jobId!), [{ key: `${master.id}-Back.en.vtt`, language: 'en' }]);
  assert.ok(existsSync(join(f.root, 'done', 'Back.en.vtt')));
  assert.is((await rowsNamed('Back.en.vtt')).length, 1, 'the same record, put back then claimed');
  assert.ok((await f.audit('ingest.resumed')).some((e) => e.name === 'Back.en.vtt' && /put back in the folder/.test(String(e.note))));

  const error = JSON.parse(readFileSync(join(f.root, 'failed', 'Alone.fr.srt.error.json'), 'utf8')) as Record<string, unknown>;
  assert.is(error.code, 'INGEST_ORPHAN_SIDECAR');
  assert.match(String(error.message), /without its master/);
  assert.ok(existsSync(join(f.root, 'failed', 'Alone.fr.srt')));
  assert.is((await rowOf('Alone.fr.srt')).state, 'failed');
  assert.equal(readdirSync(join(f.root, '.processing')), []);
  await f.stopService();
});

test.run();

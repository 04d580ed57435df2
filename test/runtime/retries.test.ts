import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

const clipArgs = testClipArgs('854x480', 2);

test('the ladder fails once, splits, and a rung failing twice then succeeding still completes the job', async () => {
  // Attempt 1 of the one-process ladder fails; 480p alone fails on attempts 1 and 2, then succeeds.
  const f = await runtimeFixture({ failEncodeAttempt: (t) => t.rendition === null || (t.rendition === '480p' && t.attempt <= 2) });
  try {
    const key = await f.clip('r.mp4', clipArgs);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' });
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.state, 'completed', JSON.stringify(done.tasks));
    const rung = done.tasks.find((t) => t.rendition === '480p')!;
    assert.is(rung.attempt, 3);
    assert.is(rung.state, 'succeeded');
    const other = done.tasks.find((t) => t.rendition === '240p')!;
    assert.is(other.attempt, 1, 'the other rungs ran once');
    const types = (await f.store.audit.list({ jobId: job.id })).map((e) => e.type);
    assert.ok(types.includes('job.ladder_split'));
    assert.is(types.filter((t) => t === 'task.retry_scheduled').length, 2);
  } finally {
    await f.close();
  }
});

test('partial-ladder policy wait: a rung out of attempts fails the job, naming it', async () => {
  const f = await runtimeFixture({ partialLadder: 'wait', failEncodeAttempt: (t) => t.rendition === null || t.rendition === '480p' });
  try {
    const key = await f.clip('w.mp4', clipArgs);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' });
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.state, 'failed');
    assert.is(done.error?.code, 'RENDITION_FAILED');
    assert.match(done.error?.message ?? '', /480p/);
    assert.equal(done.missingRenditions, ['480p']);
    await f.objects.stat('input', key); // the master is kept
  } finally {
    await f.close();
  }
});

test('partial-ladder policy emit: the rungs that succeeded are packaged, job partial, missing rung flagged', async () => {
  const f = await runtimeFixture({ partialLadder: 'emit', failEncodeAttempt: (t) => t.rendition === null || t.rendition === '480p' });
  try {
    const key = await f.clip('e.mp4', clipArgs);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 't' });
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.state, 'partial', JSON.stringify(done));
    assert.equal(done.missingRenditions, ['480p']);
    assert.equal(done.outputs, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
    const master = await f.objects.get('output', `${job.id}/hls/master.m3u8`);
    let text = '';
    for await (const c of master) text += c;
    assert.is((text.match(/#EXT-X-STREAM-INF/g) ?? []).length, 1, 'only 240p is packaged');
    const flagged = (await f.store.audit.list({ jobId: job.id, type: 'job.partial_ladder' }))[0]?.payload as {
      missingRenditions: string[];
      flaggedForReview: boolean;
    };
    assert.equal(flagged, { missingRenditions: ['480p'], policy: 'emit', flaggedForReview: true });
  } finally {
    await f.close();
  }
});

test.run();

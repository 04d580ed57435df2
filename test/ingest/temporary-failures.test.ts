// A temporary failure (here: no encoder image imported yet) keeps the file in .processing/
// and is retried with back-off; once the cause is gone the file is submitted once. After
// retryAttempts the file goes to failed/ with its reason; nothing is lost either way.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, ingestFixture, sha256Of, withoutImage, type IngestFixture } from './ingest-fixture.js';

const retriesOf = async (f: IngestFixture, name: string) => (await f.audit('ingest.retry_scheduled')).filter((e) => e.name === name);

test('no encoder image yet: the file waits in .processing/ and is retried; once imported, one job and the file in done/', async () => {
  const f = await ingestFixture({ folder: { stableSeconds: 0.4, rescanSeconds: 0.2, retrySeconds: 0.3, retryAttempts: 50 } });
  try {
    const reimport = await withoutImage(f);
    await f.startService();
    const path = join(f.root, 'early.mov');
    writeFileSync(path, 'dropped before the image was imported');
    const sha = sha256Of(path);
    const jobs = await f.jobCount();
    await eventually('two retries scheduled', async () => (await retriesOf(f, 'early.mov')).length >= 2 || undefined);
    const [first, second] = await retriesOf(f, 'early.mov');
    assert.is(first!.code, 'NO_ENCODER_IMAGE');
    assert.is(first!.attempt, 1);
    assert.is(second!.attempt, 2);
    assert.ok(Number(second!.retryInSeconds) > Number(first!.retryInSeconds), 'the delay grows');
    assert.ok(existsSync(join(f.root, '.processing', 'early.mov')), 'kept in .processing/');
    assert.not.ok(
      readdirSync(join(f.root, 'failed')).some((n) => n.startsWith('early.mov')),
      'not sent to failed/',
    );
    const waiting = (await f.ingests()).find((i) => i.name === 'early.mov')!;
    assert.is(waiting.state, 'claimed');
    assert.is(waiting.errorCode, 'NO_ENCODER_IMAGE', 'the reason is visible while it waits');
    assert.is(await f.jobCount(), jobs, 'no job yet');

    await reimport();
    const done = await f.ingestedToDone('early.mov');
    assert.is(done.errorCode, null, 'the reason is cleared once it went through');
    assert.is(done.sha256, sha);
    assert.is(await f.jobCount(), jobs + 1, 'one job');
    assert.is(sha256Of(join(f.root, 'done', 'early.mov')), sha, 'the file is moved, not changed');
    const keys: string[] = [];
    for await (const o of f.objects.list('input')) if (o.key.endsWith('early.mov')) keys.push(o.key);
    assert.equal(keys, [done.inputKey], 'one input object');
    assert.is((await f.objects.stat('input', done.inputKey!)).sha256, sha);
  } finally {
    await f.close();
  }
});

test('a temporary failure that outlasts retryAttempts: the file goes to failed/ with its reason', async () => {
  const f = await ingestFixture({ folder: { stableSeconds: 0.4, rescanSeconds: 0.2, retrySeconds: 0.2, retryAttempts: 3 } });
  try {
    await withoutImage(f);
    await f.startService();
    writeFileSync(join(f.root, 'never.mov'), 'no image ever comes');
    const failed = await eventually('never.mov failed', async () => (await f.ingests()).find((i) => i.name === 'never.mov' && i.state === 'failed'), 30_000);
    assert.is(failed.errorCode, 'NO_ENCODER_IMAGE');
    assert.is((await retriesOf(f, 'never.mov')).length, 2, 'attempts 1 and 2 retried; the third is the last');
    assert.ok(existsSync(join(f.root, 'failed', 'never.mov')), 'kept in failed/');
    const error = JSON.parse(readFileSync(join(f.root, 'failed', 'never.mov.error.json'), 'utf8')) as { code: string };
    assert.is(error.code, 'NO_ENCODER_IMAGE');
  } finally {
    await f.close();
  }
});

test.run();

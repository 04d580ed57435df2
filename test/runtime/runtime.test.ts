import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

let f: Awaited<ReturnType<typeof runtimeFixture>>;
const alive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return err instanceof ApplianceError ? err.code : String(err);
  }
}

test.before(async () => {
  f = await runtimeFixture();
});
test.after(async () => {
  await f.close();
});

test('a job goes probe → encode → package → completed, outputs committed once, every step audited', async () => {
  const key = await f.clip('promo.mp4', testClipArgs('854x480', 3));
  const { job, created } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 'token:test' });
  assert.ok(created);
  assert.is(job.state, 'queued');
  assert.is(job.encoder, f.image.id);
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'completed', JSON.stringify(done));
  assert.is(done.progress, 1);
  assert.equal(done.outputs, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
  assert.equal(
    done.renditions.map((r) => [r.name, r.state]),
    [
      ['240p', 'succeeded'],
      ['480p', 'succeeded'],
      ['audio-0', 'succeeded'],
    ],
  );
  const master = await f.objects.stat('output', `${job.id}/hls/master.m3u8`);
  assert.ok(master.size > 0);
  await f.objects.stat('output', `${job.id}/dash/manifest.mpd`);
  const versions = await f.objects.listVersions('output', `${job.id}/hls/master.m3u8`);
  assert.is(versions.length, 1, 'committed exactly once');
  // Intermediates go once the job is committed (after, so a crash in between can still publish).
  let left: string[] = ['?'];
  for (let i = 0; i < 50 && left.length; i++) {
    left = [];
    for await (const o of f.objects.list('intermediate', `${job.id}/`)) left.push(o.key);
    if (left.length) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(left, [], 'intermediates removed');
  // The deletion is audited right after the objects go: wait for that record too.
  for (let i = 0; i < 50 && !(await f.store.audit.list({ jobId: job.id, type: 'job.intermediates_deleted' })).length; i++)
    await new Promise((r) => setTimeout(r, 100));

  const events = await f.store.audit.list({ jobId: job.id });
  const types = events.map((e) => e.type);
  for (const t of ['job.submitted', 'task.started', 'job.probed', 'job.planned', 'task.succeeded', 'job.completed', 'job.intermediates_deleted'])
    assert.ok(types.includes(t), `missing ${t}: ${types.join(',')}`);
  const submitted = events.find((e) => e.type === 'job.submitted')!.payload as { input: { sha256: string; size: number }; encoder: { id: string } };
  assert.match(submitted.input.sha256, /^[0-9a-f]{64}$/);
  assert.is(submitted.encoder.id, f.image.id);
  const probed = events.find((e) => e.type === 'job.probed')!.payload as { ffprobe: { streams: unknown[] }; verdict: { accepted: boolean } };
  assert.is(probed.ffprobe.streams.length, 2);
  assert.ok(probed.verdict.accepted);
  const encoded = events.find((e) => e.type === 'task.succeeded' && (e.payload as { kind: string }).kind === 'encode')!.payload as {
    process: { argv: string[]; exitCode: number; stderrTail: string };
    renditions: { sha256: string }[];
  };
  assert.ok(encoded.process.argv.includes('-protocol_whitelist'));
  assert.is(encoded.process.exitCode, 0);
  // Every process is audited when it starts (pid, exact argv), before the record of its end.
  const startedEvents = events.filter((e) => e.type === 'process.started');
  const ends = events.filter((e) => e.type === 'task.succeeded');
  assert.is(
    startedEvents.length,
    1 + 1 + 2 * 2 + 1,
    'probe, the ladder encode, the quality gate (2 rungs × 2 windows of a 3 s clip), the one CMAF packaging run',
  );
  const encodeStart = startedEvents.find((e) => (e.payload as { kind: string }).kind === 'encode')!;
  const encodeEnd = ends.find((e) => (e.payload as { kind: string }).kind === 'encode')!;
  assert.equal((encodeStart.payload as { argv: string[] }).argv, encoded.process.argv);
  assert.is((encodeStart.payload as { pid: number }).pid, (encoded.process as unknown as { pid: number }).pid);
  assert.ok(encodeStart.seq < encodeEnd.seq, 'start recorded before the end');
  assert.is(encoded.renditions.length, 3);
  const completed = events.find((e) => e.type === 'job.completed')!.payload as { outputs: { key: string; sha256: string }[] };
  assert.ok(completed.outputs.some((o) => o.key === `${job.id}/hls/master.m3u8` && /^[0-9a-f]{64}$/.test(o.sha256)));
  assert.ok((await f.store.audit.verify()).ok);
  assert.ok(f.events.some((e) => e.type === 'job.state' && e.jobId === job.id && e.state === 'completed'));
  assert.ok(f.events.some((e) => e.type === 'task.state' && e.jobId === job.id && e.kind === 'encode' && e.state === 'running'));
  assert.ok(f.events.some((e) => e.type === 'task.state' && e.jobId === job.id && e.kind === 'package' && e.state === 'succeeded'));
});

test('idempotent submit: same key and body → same job; a different body → IDEMPOTENCY_CONFLICT', async () => {
  const key = await f.clip('idem.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast']);
  const body = { input: { key }, ladder: 'professional', packaging: ['hls' as const] };
  const a = await f.runtime.submit(body, { actor: 'token:t', idempotencyKey: 'k-1' });
  const b = await f.runtime.submit(body, { actor: 'token:t', idempotencyKey: 'k-1' });
  assert.is(b.job.id, a.job.id);
  assert.not.ok(b.created);
  assert.is(await code(f.runtime.submit({ ...body, packaging: ['dash'] }, { actor: 'token:t', idempotencyKey: 'k-1' })), 'IDEMPOTENCY_CONFLICT');
  await f.waitFor(a.job.id, ['completed', 'failed']);
});

test('bad submissions are refused and nothing is created', async () => {
  const before = (await f.store.jobs.list({ limit: 500 })).items.length;
  assert.is(await code(f.runtime.submit({ input: { key: 'nope.mov' }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' })), 'INPUT_NOT_FOUND');
  assert.is(await code(f.runtime.submit({ input: { key: '../etc/passwd' }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' })), 'INPUT_NOT_FOUND');
  assert.is(await code(f.runtime.submit({ input: { key: 'promo.mp4' }, ladder: 'amateur', packaging: ['hls'] }, { actor: 't' })), 'LADDER_UNKNOWN');
  assert.is(
    await code(f.runtime.submit({ input: { key: 'promo.mp4' }, ladder: 'professional', packaging: ['hls'], encoder: 'f'.repeat(64) }, { actor: 't' })),
    'ENCODER_UNKNOWN',
  );
  assert.is((await f.store.jobs.list({ limit: 500 })).items.length, before);
  assert.is(await code(f.runtime.get('job_missing')), 'JOB_NOT_FOUND');
});

test('a file that is not media fails the job with the policy reasons in the audit trail; the input is kept', async () => {
  await f.objects.put('input', 'notes.mov', (await import('node:stream')).Readable.from([Buffer.from('not a movie\n'.repeat(100))]));
  const { job } = await f.runtime.submit({ input: { key: 'notes.mov' }, ladder: 'professional', packaging: ['hls'] }, { actor: 't' });
  const done = await f.waitFor(job.id, ['failed', 'completed']);
  assert.is(done.state, 'failed');
  assert.is(done.error?.code, 'MEDIA_REJECTED');
  const failed = (await f.store.audit.list({ jobId: job.id, type: 'job.failed' }))[0]!.payload as { reasons: { code: string }[] };
  assert.is(failed.reasons[0]?.code, 'MEDIA_UNREADABLE');
  await f.objects.stat('input', 'notes.mov');
});

test('cancel mid-encode kills the encoder, removes intermediates, and a second cancel is JOB_FINISHED', async () => {
  const key = await f.clip('long.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=20', '-c:v', 'libx264', '-preset', 'ultrafast']);
  const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:op' });
  let pid = 0;
  for (let i = 0; i < 600 && !pid; i++) {
    const enc = (await f.store.audit.list({ jobId: job.id, type: 'task.started' })).find((e) => (e.payload as { kind: string }).kind === 'encode');
    if (enc) {
      // the process appears a moment after its lease
      const { readdirSync } = await import('node:fs');
      for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          if (
            readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`${f.image.dir}/bin/ffmpeg`) &&
            readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('long.mp4')
          )
            pid = Number(p);
        } catch {
          // gone
        }
      }
    }
    if (!pid) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(pid > 0, 'encoder running');
  const t0 = Date.now();
  const cancelled = await f.runtime.cancel(job.id, 'token:op');
  assert.is(cancelled.state, 'cancelled');
  assert.ok(Date.now() - t0 < 5000);
  assert.not.ok(alive(pid), 'encoder killed');
  const left: string[] = [];
  for await (const o of f.objects.list('intermediate', `${job.id}/`)) left.push(o.key);
  assert.equal(left, []);
  const types = (await f.store.audit.list({ jobId: job.id })).map((e) => e.type);
  assert.ok(types.includes('job.cancelled') && types.includes('job.processes_killed'), types.join(','));
  assert.is(await code(f.runtime.cancel(job.id, 'token:op')), 'JOB_FINISHED');
  assert.ok((await f.store.audit.verify()).ok);
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import type { NewJob } from '../../src/store/jobs.js';
import type { Store } from '../../src/store/store.js';
import { backendNames, freshBackend, type BackendName } from '../helpers/store-backends.js';

const job = (id: string, over: Partial<NewJob> = {}): NewJob => ({
  id,
  state: 'queued',
  inputKey: 'master.mov',
  inputSha256: 'a'.repeat(64),
  inputSize: 10,
  ladder: 'professional',
  packaging: ['hls', 'dash'],
  encoderImage: 'img-1',
  policy: { partialLadder: 'wait' },
  idempotencyKey: null,
  requestHash: null,
  submittedBy: 'token:t1',
  ...over,
});

async function withJob(name: BackendName): Promise<Store> {
  const store = await (await freshBackend(name)).open();
  await store.change(async (tx) => {
    await tx.jobs.insert(job('j1'));
    await tx.tasks.insert({ id: 't1', jobId: 'j1', kind: 'probe', rendition: null, maxAttempts: 2, input: { key: 'master.mov' } });
    await tx.audit({ type: 'job.submitted', actor: 'test', jobId: 'j1' });
  });
  return store;
}

async function lease(store: Store, now: number, owner = 'w1') {
  return store.change(async (tx) => {
    const t = await tx.tasks.lease({ kinds: ['probe'], owner, now, leaseMs: 1000 });
    if (t) await tx.audit({ type: 'task.started', actor: owner, jobId: t.jobId, payload: { taskId: t.id, attempt: t.attempt } });
    return t;
  });
}

function code(err: unknown): string {
  return err instanceof ApplianceError ? err.code : String(err);
}

for (const name of backendNames) {
  const test = suite(`jobs and tasks on ${name}`);

  test('a job and its tasks are written with their audit event and read back', async () => {
    const store = await withJob(name);
    const j = await store.jobs.get('j1');
    assert.is(j?.state, 'queued');
    assert.equal(j?.packaging, ['hls', 'dash']);
    assert.equal(j?.policy, { partialLadder: 'wait' });
    const tasks = await store.tasks.listByJob('j1');
    assert.is(tasks.length, 1);
    assert.equal(tasks[0]?.input, { key: 'master.mov' });
    assert.is(tasks[0]?.state, 'pending');
    await store.close();
  });

  test('a lease bumps the attempt and the fencing token; a second lease finds nothing', async () => {
    const store = await withJob(name);
    const t = await lease(store, 1000);
    assert.is(t?.state, 'running');
    assert.is(t?.attempt, 1);
    assert.is(t?.fencingToken, 1);
    assert.is(t?.leaseExpiresAt, 2000);
    assert.is(await lease(store, 1000, 'w2'), undefined);
    await store.close();
  });

  test('what a lease would take is readable first: leasable kinds (by image too) and lapsed leases', async () => {
    const store = await withJob(name);
    assert.equal(await store.tasks.leasableKinds({ kinds: ['probe', 'encode'], now: 1000 }), ['probe']);
    assert.equal(await store.tasks.leasableKinds({ kinds: ['encode'], now: 1000 }), []);
    assert.equal(await store.tasks.leasableKinds({ kinds: ['probe'], now: 1000, images: ['img-1'] }), ['probe']);
    assert.equal(await store.tasks.leasableKinds({ kinds: ['probe'], now: 1000, images: ['img-2'] }), []);
    const imageBound = await store.change(async (tx) => {
      const t = await tx.tasks.lease({ kinds: ['probe'], owner: 'w1', now: 1000, leaseMs: 1000, images: ['img-2'] });
      if (t) await tx.audit({ type: 'task.started', actor: 'w1' });
      return t;
    });
    assert.is(imageBound, undefined, 'a node without the pinned image leases nothing');
    assert.is(await store.tasks.anyExpired(5000), false);
    await lease(store, 1000);
    assert.is(await store.tasks.anyExpired(1500), false);
    assert.is(await store.tasks.anyExpired(2500), true);
    await store.close();
  });

  test('fencing: a stale attempt can neither complete nor fail the newer one', async () => {
    const store = await withJob(name);
    const first = (await lease(store, 1000, 'w1'))!;
    const requeued = await store.change(async (tx) => {
      const r = await tx.tasks.requeueExpired(5000);
      await tx.audit({ type: 'task.lease_expired', actor: 'system', jobId: 'j1', payload: { tasks: r.map((x) => x.id) } });
      return r;
    });
    assert.is(requeued.length, 1);
    assert.is(requeued[0]?.state, 'pending');
    assert.not.ok(await store.tasks.renewLease('t1', first.fencingToken, 9000), 'stale heartbeat refused');
    const second = (await lease(store, 6000, 'w2'))!;
    assert.is(second.attempt, 2);
    assert.ok(second.fencingToken > first.fencingToken);
    for (const end of [
      { state: 'succeeded' as const, output: { stale: true } },
      { state: 'failed' as const, errorCode: 'X' },
    ]) {
      try {
        await store.change(async (tx) => {
          await tx.tasks.finish('t1', first.fencingToken, end);
          await tx.audit({ type: 'task.finished', actor: 'w1', jobId: 'j1' });
        });
        assert.unreachable('stale finish must be refused');
      } catch (err) {
        assert.is(code(err), 'STALE_LEASE');
      }
    }
    const current = await store.tasks.get('t1');
    assert.is(current?.state, 'running');
    assert.is(current?.leaseOwner, 'w2');
    assert.ok(await store.tasks.renewLease('t1', second.fencingToken, 9000), 'current heartbeat accepted');
    await store.change(async (tx) => {
      await tx.tasks.finish('t1', second.fencingToken, { state: 'succeeded', output: { ok: 1 } });
      await tx.audit({ type: 'task.succeeded', actor: 'w2', jobId: 'j1' });
    });
    assert.equal((await store.tasks.get('t1'))?.output, { ok: 1 });
    assert.ok((await store.audit.verify()).ok);
    await store.close();
  });

  test('a lapsed lease on the last attempt makes the task dead', async () => {
    const store = await withJob(name);
    await lease(store, 1000);
    await store.change(async (tx) => void (await tx.tasks.requeueExpired(3000), await tx.audit({ type: 'x', actor: 'system' })));
    await lease(store, 3000);
    const r = await store.change(async (tx) => {
      const x = await tx.tasks.requeueExpired(9000);
      await tx.audit({ type: 'x', actor: 'system' });
      return x;
    });
    assert.is(r[0]?.state, 'dead');
    await store.close();
  });

  test('a retry waits for its back-off before it can be leased again', async () => {
    const store = await withJob(name);
    const t = (await lease(store, 1000))!;
    await store.change(async (tx) => {
      await tx.tasks.finish(t.id, t.fencingToken, { state: 'pending', errorCode: 'EXIT_NONZERO', runAfter: 4000 });
      await tx.audit({ type: 'task.retry_scheduled', actor: 'w1', jobId: 'j1' });
    });
    assert.is(await lease(store, 3999), undefined);
    assert.is((await lease(store, 4000))?.attempt, 2);
    await store.close();
  });

  test('cancel takes the lease from a running attempt', async () => {
    const store = await withJob(name);
    const t = (await lease(store, 1000))!;
    await store.change(async (tx) => {
      await tx.tasks.cancelForJob('j1');
      await tx.jobs.update('j1', { state: 'cancelled' });
      await tx.audit({ type: 'job.cancelled', actor: 'test', jobId: 'j1' });
    });
    try {
      await store.change(async (tx) => {
        await tx.tasks.finish(t.id, t.fencingToken, { state: 'succeeded' });
        await tx.audit({ type: 'x', actor: 'w1' });
      });
      assert.unreachable();
    } catch (err) {
      assert.is(code(err), 'STALE_LEASE');
    }
    assert.is((await store.tasks.get('t1'))?.state, 'cancelled');
    await store.close();
  });

  test('job list pages newest first with a stable cursor', async () => {
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const clocked = await (await freshBackend(name)).open({ now: () => new Date((tick += 1000)) });
    await clocked.change(async (tx) => {
      for (let i = 0; i < 120; i++) await tx.jobs.insert(job(`j${String(i).padStart(3, '0')}`, { state: i % 3 === 0 ? 'failed' : 'queued' }));
      await tx.audit({ type: 'test.bulk', actor: 'test' });
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await clocked.jobs.list({ limit: 50, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.is(seen.length, 120);
    assert.is(seen[0], 'j119');
    assert.is(new Set(seen).size, 120);
    const failed = await clocked.jobs.list({ state: 'failed', limit: 500 });
    assert.is(failed.items.length, 40);
    try {
      await clocked.jobs.list({ cursor: 'garbage' });
      assert.unreachable();
    } catch (err) {
      assert.is(code(err), 'VALIDATION_FAILED');
    }
    await clocked.close();
  });

  test('an idempotency key is unique', async () => {
    const store = await withJob(name);
    await store.change(async (tx) => {
      await tx.jobs.insert(job('j2', { idempotencyKey: 'k1', requestHash: 'h' }));
      await tx.audit({ type: 'job.submitted', actor: 'test', jobId: 'j2' });
    });
    assert.is((await store.jobs.byIdempotencyKey('k1'))?.id, 'j2');
    try {
      await store.change(async (tx) => {
        await tx.jobs.insert(job('j3', { idempotencyKey: 'k1', requestHash: 'h' }));
        await tx.audit({ type: 'job.submitted', actor: 'test', jobId: 'j3' });
      });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ApplianceError);
    }
    assert.is(await store.jobs.get('j3'), undefined);
    await store.close();
  });

  test.run();
}

import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { canonicalEvent, GENESIS_HASH } from '../../src/store/audit-chain.js';
import type { Store } from '../../src/store/store.js';
import { backendNames, freshBackend, type BackendName, type StoreBackend } from '../helpers/store-backends.js';

async function appendSome(store: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.change(async (tx) => {
      await tx.audit({ type: 'test.event', actor: 'test', jobId: i % 2 ? 'job-1' : null, payload: { i, note: 'ünïcode ✓', nested: { b: 2, a: [1, 'x'] } } });
    });
  }
}

async function fresh(name: BackendName): Promise<{ store: Store; backend: StoreBackend }> {
  const backend = await freshBackend(name);
  return { store: await backend.open(), backend };
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match(String(err), pattern);
    return;
  }
  assert.unreachable(`expected a refusal matching ${pattern}`);
}

for (const name of backendNames) {
  const test = suite(`audit chain on ${name}`);

  test('appended events chain from genesis and verify', async () => {
    const { store } = await fresh(name);
    await appendSome(store, 5);
    const events = await store.audit.list();
    assert.is(events.length, 5);
    assert.is(events[0]?.prev_hash, GENESIS_HASH);
    for (let i = 1; i < events.length; i++) assert.is(events[i]?.prev_hash, events[i - 1]?.hash);
    const verdict = await store.audit.verify();
    assert.equal(verdict, { ok: true, events: 5, head: { seq: 5, hash: events[4]!.hash } });
    await store.close();
  });

  test('the documented byte recipe recomputes each hash with plain sha256', async () => {
    const { store } = await fresh(name);
    await appendSome(store, 3);
    for (const e of await store.audit.list()) {
      const line = canonicalEvent(e);
      assert.ok(!/\s(?=(?:[^"]*"[^"]*")*[^"]*$)/.test(line), 'no whitespace outside strings');
      assert.ok(line.startsWith('{"actor":'), 'keys sorted');
      assert.is(
        createHash('sha256')
          .update(e.prev_hash + line)
          .digest('hex'),
        e.hash,
      );
    }
    await store.close();
  });

  test('the database refuses UPDATE and DELETE on audit_events', async () => {
    const { store, backend } = await fresh(name);
    await appendSome(store, 2);
    await rejects(backend.query("UPDATE audit_events SET payload = '{}' WHERE seq = 1"), /append-only: UPDATE refused/);
    await rejects(backend.query('DELETE FROM audit_events WHERE seq = 2'), /append-only: DELETE refused/);
    assert.ok((await store.audit.verify()).ok);
    await store.close();
  });

  test('an edit behind the triggers back is found, naming the seq', async () => {
    const { store, backend } = await fresh(name);
    await appendSome(store, 4);
    await backend.disableAppendOnly();
    await backend.query(`UPDATE audit_events SET payload = '{"i":99}' WHERE seq = 3`);
    const verdict = await store.audit.verify();
    assert.is(verdict.ok, false);
    if (!verdict.ok) {
      assert.is(verdict.badSeq, 3);
      assert.match(verdict.reason, /altered/);
    }
    await store.close();
  });

  test('a deleted event is found as a gap', async () => {
    const { store, backend } = await fresh(name);
    await appendSome(store, 4);
    await backend.disableAppendOnly();
    await backend.query('DELETE FROM audit_events WHERE seq = 2');
    const verdict = await store.audit.verify();
    assert.is(verdict.ok, false);
    if (!verdict.ok) assert.is(verdict.badSeq, 2);
    await store.close();
  });

  test('a write without an audit event is refused and nothing is written', async () => {
    const { store } = await fresh(name);
    try {
      await store.change(async (tx) => {
        await tx.tokens.insert({ id: 't1', name: 'x', role: 'viewer', tokenHash: 'a'.repeat(64) });
      });
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, ApplianceError);
      assert.is((err as ApplianceError).code, 'AUDIT_REQUIRED');
    }
    assert.is(await store.tokens.countActive(), 0);
    await store.close();
  });

  test('a failure inside a change rolls back both the state and its event', async () => {
    const { store } = await fresh(name);
    await appendSome(store, 1);
    try {
      await store.change(async (tx) => {
        await tx.tokens.insert({ id: 't1', name: 'x', role: 'viewer', tokenHash: 'b'.repeat(64) });
        await tx.audit({ type: 'api_token.issued', actor: 'test', payload: { tokenId: 't1' } });
        throw new Error('boom');
      });
    } catch {
      // expected
    }
    assert.is(await store.tokens.countActive(), 0);
    assert.is((await store.audit.list()).length, 1);
    assert.ok((await store.audit.verify()).ok);
    await store.close();
  });

  test('concurrent changes serialise into one unbroken chain', async () => {
    const { store } = await fresh(name);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.change(async (tx) => {
          await new Promise((r) => setTimeout(r, (i * 7) % 5));
          await tx.audit({ type: 'test.concurrent', actor: 'test', payload: { i } });
        }),
      ),
    );
    const verdict = await store.audit.verify();
    assert.ok(verdict.ok);
    assert.is(verdict.events, 20);
    await store.close();
  });

  test.run();
}

const canonical = suite('canonical form');

canonical('the fast canonical form equals RFC 8785 canonicalisation of the whole event', async () => {
  const { createRequire } = await import('node:module');
  const jcs = createRequire(import.meta.url)('canonicalize') as (v: unknown) => string;
  const samples = [
    { seq: 1, at: '2026-11-24T06:00:00.000Z', actor: 'tok:"quoted"\\', job_id: null, type: 't', payload: {} },
    { seq: 42, at: 'x', actor: 'ünï\u2028\u0007', job_id: 'job-1', type: 'a.b', payload: { z: [1.5, -0, 1e21, 'x'], a: { c: null, b: true } } },
  ];
  for (const e of samples) assert.is(canonicalEvent(e), jcs(e));
});

canonical.run();

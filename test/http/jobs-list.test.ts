// GET /api/v1/jobs with 10 000 jobs in a real SQLite file: filters (state, date range, text)
// and cursor pagination stay exact and fast, on the index.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateToken, hashToken, newTokenId } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import type { JobState } from '../../src/store/jobs.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { tempDir } from '../helpers/temp-dir.js';

const N = 10_000;
const STATES: JobState[] = ['completed', 'completed', 'completed', 'failed', 'cancelled', 'partial', 'encoding', 'queued'];
const START = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;

const dbPath = join(tempDir(), 'mpegflow.db');
let clock = START;
const store = new SqliteStore({ path: dbPath, now: () => new Date(clock) });
const token = generateToken();
const app = createApp({ store, logger: memoryLogger().logger, health: new Health() });
const auth = { headers: { authorization: `Bearer ${token}` } };

interface Page {
  items: { id: string; state: string; createdAt: string; input: { key: string } }[];
  nextCursor: string | null;
}

async function list(query: string): Promise<{ page: Page; ms: number }> {
  const t0 = performance.now();
  const res = await app.request(`/api/v1/jobs?${query}`, auth);
  const ms = performance.now() - t0;
  assert.is(res.status, 200, await res.clone().text());
  return { page: (await res.json()) as Page, ms };
}

async function walk(query: string, limit = 500): Promise<{ ids: string[]; slowestMs: number; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let slowestMs = 0;
  let pages = 0;
  do {
    const { page, ms }: { page: Page; ms: number } = await list(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((j) => j.id));
    slowestMs = Math.max(slowestMs, ms);
    pages++;
    cursor = page.nextCursor;
  } while (cursor);
  return { ids, slowestMs, pages };
}

test.before(async () => {
  await store.change(async (tx) => {
    await tx.tokens.insert({ id: newTokenId(), name: 'viewer', role: 'viewer', tokenHash: hashToken(token) });
    for (let i = 0; i < N; i++) {
      clock = START + i * MINUTE; // one job a minute: 10 000 minutes ≈ 6.9 days
      const id = `job_${String(i).padStart(5, '0')}`;
      await tx.jobs.insert({
        id,
        state: 'queued',
        inputKey: i % 100 === 7 ? `promo-${i}.mov` : `master-${i}.mxf`,
        inputSha256: null,
        inputSize: null,
        ladder: 'professional',
        packaging: ['hls'],
        encoderImage: 'img',
        policy: { partialLadder: 'wait' },
        idempotencyKey: null,
        requestHash: null,
        submittedBy: i % 2 ? 'user:alice' : 'token:tok_x',
      });
      const state = STATES[i % STATES.length]!;
      if (state !== 'queued') await tx.jobs.update(id, { state });
    }
    await tx.audit({ type: 'test.jobs_seeded', actor: 'test', payload: { jobs: N } });
  });
  clock = START + N * MINUTE;
});
test.after(async () => {
  await store.close();
});

test('the first page is the newest 50, fast', async () => {
  const { page, ms } = await list('limit=50');
  assert.is(page.items.length, 50);
  assert.is(page.items[0]!.id, 'job_09999');
  assert.is(page.items[49]!.id, 'job_09950');
  assert.ok(ms < 100, `first page took ${ms.toFixed(1)} ms`);
});

test('walking every page visits each job once, newest first; no page is slow', async () => {
  const all = await walk('', 100);
  assert.is(all.ids.length, N);
  assert.is(new Set(all.ids).size, N);
  assert.is(all.ids[0], 'job_09999');
  assert.is(all.ids.at(-1), 'job_00000');
  assert.ok(all.slowestMs < 150, `slowest page ${all.slowestMs.toFixed(1)} ms`);
});

test('state filter: exact count across pages', async () => {
  const failed = await walk('state=failed');
  assert.is(failed.ids.length, N / STATES.length);
  const { page } = await list('state=failed&limit=5');
  assert.ok(page.items.every((j) => j.state === 'failed'));
});

test('date range: created in [from, to)', async () => {
  const from = new Date(START + 1000 * MINUTE).toISOString();
  const to = new Date(START + 1500 * MINUTE).toISOString();
  const r = await walk(`from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  assert.is(r.ids.length, 500);
  assert.is(r.ids[0], 'job_01499');
  assert.is(r.ids.at(-1), 'job_01000');
  // An offset is normalised to UTC.
  const local = await list(`from=${encodeURIComponent('2026-01-01T02:00:00+02:00')}&to=${encodeURIComponent('2026-01-01T00:10:00Z')}&limit=50`);
  assert.is(local.page.items.length, 10);
});

test('text search: job id, input key or submitter, combined with state; LIKE wildcards are literal', async () => {
  const promos = await walk('q=promo-');
  assert.is(promos.ids.length, N / 100);
  const combined = await walk('q=promo-&state=failed');
  assert.ok(combined.ids.every((id) => Number(id.slice(4)) % 100 === 7 && Number(id.slice(4)) % STATES.length === 3));
  assert.is((await list('q=job_0424')).page.items.length, 10);
  assert.is((await list('q=%25')).page.items.length, 0, 'a literal % matches nothing');
});

test('bad filters are 400 with VALIDATION_FAILED', async () => {
  for (const q of ['from=yesterday', 'to=2026-13-01', 'state=nope', 'limit=0', 'q=']) {
    const res = await app.request(`/api/v1/jobs?${q}`, auth);
    assert.is(res.status, 400, q);
    assert.is(((await res.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
  }
});

test('the unfiltered list and the state filter read an index, not the whole table', async () => {
  const db = new Database(dbPath, { readonly: true });
  const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
  const unfiltered = plan(
    "SELECT * FROM jobs WHERE (created_at < '2026-01-03' OR (created_at = '2026-01-03' AND id < 'x')) ORDER BY created_at DESC, id DESC LIMIT 51",
  );
  assert.match(unfiltered, /jobs_created_id/);
  assert.not.match(unfiltered, /USE TEMP B-TREE/);
  const byState = plan("SELECT * FROM jobs WHERE state = 'failed' ORDER BY created_at DESC, id DESC LIMIT 51");
  assert.match(byState, /jobs_state_created/);
  db.close();
});

test.run();

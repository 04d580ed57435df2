// Part 5: the jobs list (GET /api/v1/jobs → store.jobs.list) at 100 000 jobs, on PostgreSQL and
// SQLite. The same jobs go into both through the store's own write path (tx.jobs.insert, a few
// thousand per change, one audit event per change), with the store's clock pinned so creation
// times spread over ~35 days (one job every 30 s); states: 90 % completed, 5 % failed, 3 %
// partial, 1 % cancelled, 1 % queued; 1 % submitted by `user:alice`. Then each query is timed
// (first run, then the median of five): first page, a page in the middle (its cursor reached by
// walking 500-job pages), a rare-state filter, a common-state filter, a text search matching one
// job and one matching 1 %, and one matching nothing (the whole table scanned).
import { randomBytes } from 'node:crypto';
import type { JobListQuery, JobState, NewJob } from '../../src/store/jobs.js';
import type { Store } from '../../src/store/store.js';

export interface ListTiming {
  label: string;
  firstMs: number;
  medianMs: number;
  items: number;
}

export interface ListResult {
  store: string;
  jobs: number;
  seedSeconds: number;
  walkMsPer500: number;
  timings: ListTiming[];
}

const START = Date.parse('2026-01-01T00:00:00.000Z');

function stateOf(i: number): JobState {
  const r = i % 100;
  if (r < 90) return 'completed';
  if (r < 95) return 'failed';
  if (r < 98) return 'partial';
  if (r < 99) return 'cancelled';
  return 'queued';
}

/** The seeded job `i` (same on both stores). */
function job(i: number, image: string): NewJob {
  return {
    id: `job_${(START + i * 30_000).toString(36).padStart(9, '0')}${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}0000`,
    state: stateOf(i),
    inputKey: `ingest/2026/clip-${String(i).padStart(6, '0')}.mov`,
    inputSha256: randomBytes(32).toString('hex'),
    inputSize: 100_000_000 + i,
    ladder: 'professional',
    packaging: ['hls', 'dash'],
    encoderImage: image,
    policy: { partialLadder: 'wait' },
    idempotencyKey: null,
    requestHash: null,
    submittedBy: i % 100 === 7 ? 'user:alice' : `token:ingest-${i % 13}`,
  };
}

/** A store whose clock the seeding moves (creation times are the store's `now`). */
export interface ClockedStore {
  store: Store;
  setNow(ms: number): void;
}

export async function seedJobs(s: ClockedStore, count: number, perChange = 5000): Promise<number> {
  const image = 'a'.repeat(64);
  const t0 = performance.now();
  for (let from = 0; from < count; from += perChange) {
    const to = Math.min(count, from + perChange);
    await s.store.change(async (tx) => {
      for (let i = from; i < to; i++) {
        s.setNow(START + i * 30_000);
        await tx.jobs.insert(job(i, image));
      }
      await tx.audit({ type: 'bench.jobs_seeded', actor: 'bench', payload: { from, to } });
    });
  }
  return (performance.now() - t0) / 1000;
}

async function timeQuery(store: Store, label: string, q: JobListQuery, repeats = 5): Promise<ListTiming> {
  const times: number[] = [];
  let items = 0;
  for (let r = 0; r < 1 + repeats; r++) {
    const t = performance.now();
    const page = await store.jobs.list(q);
    times.push(performance.now() - t);
    items = page.items.length;
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  return { label, firstMs: times[0]!, medianMs: rest[Math.floor(rest.length / 2)]!, items };
}

export async function listBench(label: string, store: Store, count: number): Promise<Omit<ListResult, 'seedSeconds'>> {
  const timings: ListTiming[] = [];
  timings.push(await timeQuery(store, 'first page (limit 50)', { limit: 50 }));
  // Walk to the middle with 500-job pages (each timed), then time a 50-job page from there.
  let cursor: string | null = null;
  const walk: number[] = [];
  for (let seen = 0; seen < count / 2; seen += 500) {
    const t = performance.now();
    const page: { nextCursor: string | null } = await store.jobs.list({ limit: 500, ...(cursor ? { cursor } : {}) });
    walk.push(performance.now() - t);
    cursor = page.nextCursor;
  }
  timings.push(await timeQuery(store, `middle page via cursor (after ${count / 2} jobs, limit 50)`, { limit: 50, cursor: cursor! }));
  timings.push(await timeQuery(store, 'state = queued (1 %), limit 50', { limit: 50, state: 'queued' }));
  timings.push(await timeQuery(store, 'state = completed (90 %), limit 50', { limit: 50, state: 'completed' }));
  timings.push(await timeQuery(store, 'state = failed, middle page via cursor', { limit: 50, state: 'failed', cursor: cursor! }));
  timings.push(await timeQuery(store, 'text matching 1 job (an input key)', { limit: 50, text: `clip-${String(Math.floor(count * 0.37)).padStart(6, '0')}` }));
  timings.push(await timeQuery(store, 'text matching 1 % (a submitter)', { limit: 50, text: 'alice' }));
  timings.push(await timeQuery(store, 'text matching nothing (whole table)', { limit: 50, text: 'no-such-clip' }));
  return { store: label, jobs: count, walkMsPer500: walk.reduce((a, b) => a + b, 0) / walk.length, timings };
}

// Part 3: the hash-chained audit append on PostgreSQL under contention, two ways of serialising
// the head, in a scratch database with raw `pg` clients (no appliance code on the hot path):
//   advisory  what the store does: BEGIN; pg_advisory_xact_lock(k); read the newest row (ORDER BY
//             seq DESC LIMIT 1); INSERT the next event; COMMIT;
//   row lock  a one-row head table: BEGIN; SELECT seq, hash FROM head WHERE id = 1 FOR UPDATE;
//             INSERT the next event; UPDATE head; COMMIT.
// Both hash the same way (sha256 of prev_hash + canonical text) and insert the same row; 1, 4 and
// 16 appenders (one connection each, all in this process) append for a fixed time. Run durable
// (synchronous_commit on: every commit waits for its WAL flush) and with synchronous_commit off
// (the lock's own cost, no flush wait). Each cell checks the chain it wrote.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

export type LockMode = 'advisory' | 'row';

export interface ChainLockCell {
  mode: LockMode;
  appenders: number;
  synchronousCommit: 'on' | 'off';
  appends: number;
  seconds: number;
  perSecond: number;
  /** Median and p99 of one append (BEGIN … COMMIT) as an appender saw it, ms. */
  p50Ms: number;
  p99Ms: number;
}

const KEY = '7310593858020081665';
const GENESIS = '0'.repeat(64);

const SCHEMA = `
CREATE TABLE chain_advisory (seq bigint PRIMARY KEY, at text NOT NULL, actor text NOT NULL, type text NOT NULL, payload text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL);
CREATE TABLE chain_row (seq bigint PRIMARY KEY, at text NOT NULL, actor text NOT NULL, type text NOT NULL, payload text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL);
CREATE TABLE chain_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
`;

function next(prev: { seq: number; hash: string }, payload: string) {
  const seq = prev.seq + 1;
  const at = new Date().toISOString();
  const line = `{"actor":"bench","at":"${at}","job_id":null,"payload":${payload},"seq":${seq},"type":"task.progress"}`;
  return { seq, at, hash: createHash('sha256').update(prev.hash).update(line).digest('hex') };
}

async function appendAdvisory(c: pg.Client, payload: string): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [KEY]);
    const head = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM chain_advisory ORDER BY seq DESC LIMIT 1')).rows[0];
    const prev = head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS };
    const e = next(prev, payload);
    await c.query({
      name: 'adv-insert',
      text: 'INSERT INTO chain_advisory (seq, at, actor, type, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      values: [e.seq, e.at, 'bench', 'task.progress', payload, prev.hash, e.hash],
    });
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function appendRow(c: pg.Client, payload: string): Promise<void> {
  await c.query('BEGIN');
  try {
    const head = (await c.query<{ seq: string; hash: string }>({ name: 'row-head', text: 'SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE' }))
      .rows[0]!;
    const prev = { seq: Number(head.seq), hash: head.hash };
    const e = next(prev, payload);
    await c.query({
      name: 'row-insert',
      text: 'INSERT INTO chain_row (seq, at, actor, type, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      values: [e.seq, e.at, 'bench', 'task.progress', payload, prev.hash, e.hash],
    });
    await c.query({ name: 'row-head-update', text: 'UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1', values: [e.seq, e.hash] });
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Seq contiguous from 1 and each prev_hash the previous row's hash: the appenders kept one line. */
async function checkChain(c: pg.Client, table: string, expected: number): Promise<void> {
  const r = (
    await c.query<{ n: string; max: string | null; broken: string }>(
      `SELECT count(*) AS n, max(seq) AS max,
              count(*) FILTER (WHERE prev_hash <> coalesce(prev, '${GENESIS}')) AS broken
       FROM (SELECT seq, prev_hash, lag(hash) OVER (ORDER BY seq) AS prev FROM ${table}) x`,
    )
  ).rows[0]!;
  if (Number(r.n) !== expected || Number(r.max ?? 0) !== expected || Number(r.broken) !== 0)
    throw new Error(`${table}: chain broken (rows ${r.n}, max seq ${r.max}, bad links ${r.broken}, appended ${expected})`);
}

async function cell(url: string, mode: LockMode, appenders: number, synchronousCommit: 'on' | 'off', seconds: number): Promise<ChainLockCell> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const table = mode === 'advisory' ? 'chain_advisory' : 'chain_row';
  await admin.query(`TRUNCATE ${table}`);
  await admin.query('DELETE FROM chain_head');
  await admin.query('INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, $1)', [GENESIS]);
  await admin.query('VACUUM ANALYZE chain_head');
  await admin.query(`VACUUM ANALYZE ${table}`);
  const clients = await Promise.all(
    Array.from({ length: appenders }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'mpegflow-bench-chain' });
      await c.connect();
      await c.query(`SET synchronous_commit = ${synchronousCommit}`);
      return c;
    }),
  );
  const append = mode === 'advisory' ? appendAdvisory : appendRow;
  const payload = JSON.stringify({ taskId: `task_${randomBytes(8).toString('hex')}`, state: 'running', attempt: 1, fraction: 0.5 });
  const latencies: number[] = [];
  let appends = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < until) {
        const a = performance.now();
        await append(c, payload);
        latencies.push(performance.now() - a);
        appends++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  await checkChain(admin, table, appends);
  await admin.end();
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { mode, appenders, synchronousCommit, appends, seconds: elapsed, perSecond: appends / elapsed, p50Ms: q(0.5), p99Ms: q(0.99) };
}

/**
 * Every (mode, appenders, synchronous_commit) cell, advisory and row lock interleaved, best of
 * `rounds` by appends/s (the disk's mood varies between cells).
 */
export async function chainLockBench(url: string, options: { seconds: number; rounds: number; appenders: number[] }): Promise<ChainLockCell[]> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(SCHEMA);
  await admin.end();
  const out: ChainLockCell[] = [];
  for (const synchronousCommit of ['on', 'off'] as const) {
    for (const n of options.appenders) {
      const best = new Map<LockMode, ChainLockCell>();
      for (let r = 0; r < options.rounds; r++) {
        for (const mode of r % 2 === 0 ? (['advisory', 'row'] as const) : (['row', 'advisory'] as const)) {
          const c = await cell(url, mode, n, synchronousCommit, options.seconds);
          console.error(`  chain lock: ${mode} × ${n}, synchronous_commit=${synchronousCommit}: ${c.perSecond.toFixed(0)} appends/s`);
          if (!best.has(mode) || best.get(mode)!.perSecond < c.perSecond) best.set(mode, c);
        }
      }
      out.push(best.get('advisory')!, best.get('row')!);
    }
  }
  return out;
}

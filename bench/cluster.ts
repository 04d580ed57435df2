// Cluster benchmark (npm run bench:cluster), in ONE run, on a PostgreSQL server of its own
// (fsync on: bench/cluster/pg-server.ts):
//   1. jobs per hour of a real cluster, one worker node (one core) against two (one core each),
//      each with an api node, PostgreSQL + S3 (bench/cluster/throughput.ts); raw ffmpeg doing one
//      job's work on one core as the reference; what the idle cluster asks of PostgreSQL;
//   2. the store's own time per job, SQLite against PostgreSQL: a real job's store calls recorded,
//      then replayed in-process on each (bench/cluster/store-cost.ts);
//   3. the audit append under contention on PostgreSQL: advisory lock (what is built) against a
//      row lock on a one-row head table, 1/4/16 appenders (bench/cluster/chain-lock.ts);
//   4. live-event latency between two nodes through cluster-relay (bench/cluster/relay-latency.ts);
//   5. the jobs list at 100 000 jobs, PostgreSQL and SQLite (bench/cluster/jobs-list.ts).
// Env: CLUSTER_BENCH_PARTS=2,3,4,5,1 (which, in this order), CLUSTER_BENCH_JOBS=12,
// CLUSTER_BENCH_REPLAY_JOBS=30, CLUSTER_BENCH_LIST_JOBS=100000, CLUSTER_BENCH_RELAY_EVENTS=500,
// CLUSTER_BENCH_LOCK_SECONDS=3, CLUSTER_BENCH_IDLE_SECONDS=10, CLUSTER_BENCH_RAW_RUNS=3,
// CLUSTER_BENCH_CLIP=640x360:4 (part 1's clip, size:seconds), CLUSTER_BENCH_WORKERS=1,2,
// CLUSTER_BENCH_CPU_PROF=DIR (worker nodes write a V8 CPU profile there at exit),
// CLUSTER_BENCH_DATABASE_URL (use a running server instead of starting one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../src/config/package-root.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { s3Env } from '../test/storage/s3-fixture.js';
import { chainLockBench, type ChainLockCell } from './cluster/chain-lock.js';
import { listBench, seedJobs, type ListResult } from './cluster/jobs-list.js';
import { startBenchPostgres } from './cluster/pg-server.js';
import { relayLatencyBench, type RelayScenario } from './cluster/relay-latency.js';
import { recordJob, storeCostBench, type StoreCostResult } from './cluster/store-cost.js';
import { clusterThroughput, makeClip, pidsWith, rawJobSeconds, type ThroughputResult } from './cluster/throughput.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const parts = (process.env.CLUSTER_BENCH_PARTS ?? '2,3,4,5,1').split(',').map((p) => p.trim());
const jobs = env('CLUSTER_BENCH_JOBS', 12);
const replayJobs = env('CLUSTER_BENCH_REPLAY_JOBS', 30);
const listJobs = env('CLUSTER_BENCH_LIST_JOBS', 100_000);
const relayEvents = env('CLUSTER_BENCH_RELAY_EVENTS', 500);
const lockSeconds = env('CLUSTER_BENCH_LOCK_SECONDS', 3);
const idleSeconds = env('CLUSTER_BENCH_IDLE_SECONDS', 10);
const rawRuns = env('CLUSTER_BENCH_RAW_RUNS', 3);
const [clipSize, clipSecondsText] = (process.env.CLUSTER_BENCH_CLIP ?? '640x360:4').split(':');
const clipSeconds = Number(clipSecondsText ?? 4);
const workerCounts = (process.env.CLUSTER_BENCH_WORKERS ?? '1,2').split(',').map((w) => Number(w) as 1 | 2);
const cpuProfileDir = process.env.CLUSTER_BENCH_CPU_PROF;

async function analyze(url: string, table: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`ANALYZE ${table}`);
  await c.end();
}

const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const startedAt = new Date();
const loadAtStart = load();
let commit = 'unknown';
let dirtySrc = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: packageRoot }).trim();
  dirtySrc = execFileSync('git', ['status', '--short', '--', 'src', 'appliance'], { encoding: 'utf8', cwd: packageRoot }).trim();
} catch {
  // not a checkout
}

const server = await startBenchPostgres();
console.error(`${server.describe}; pg_stat_statements: ${server.statements ? 'yes' : 'no'}`);
const tmp = mkdtempSync(join(tmpdir(), 'mpegflow-bench-cluster-'));

let storeCost: StoreCostResult | undefined;
let chain: ChainLockCell[] | undefined;
let relay: RelayScenario[] | undefined;
const lists: Array<ListResult> = [];
const throughput: ThroughputResult[] = [];
let raw: Awaited<ReturnType<typeof rawJobSeconds>> | undefined;

try {
  for (const part of parts) {
    const t0 = performance.now();
    console.error(`part ${part} (load ${load()})…`);
    if (part === '2') {
      const recorded = await recordJob({ idleSeconds });
      storeCost = await storeCostBench(recorded, server, { jobs: replayJobs });
    } else if (part === '3') {
      chain = await chainLockBench(await server.createDatabase('mpegflow_bench_chain'), { seconds: lockSeconds, rounds: 2, appenders: [1, 4, 16] });
    } else if (part === '4') {
      relay = await relayLatencyBench(await server.createDatabase('mpegflow_bench_relay'), { events: relayEvents });
    } else if (part === '5') {
      for (const kind of ['postgres', 'sqlite'] as const) {
        let clock = Date.now();
        const now = () => new Date(clock);
        const url = kind === 'postgres' ? await server.createDatabase('mpegflow_bench_list') : undefined;
        const store = url ? await PostgresStore.open({ url, now }) : new SqliteStore({ path: join(tmp, 'list.db'), now });
        const seedSeconds = await seedJobs({ store, setNow: (ms) => (clock = ms) }, listJobs);
        console.error(`  jobs list: ${kind}: ${listJobs} jobs seeded in ${seedSeconds.toFixed(1)} s`);
        // Statistics as autovacuum would have them by then (it analyzes a table this changed within a minute).
        if (url) await analyze(url, 'jobs');
        lists.push({ ...(await listBench(kind === 'postgres' ? 'PostgreSQL' : 'SQLite', store, listJobs)), seedSeconds });
        await store.close();
      }
    } else if (part === '1') {
      const clip = await makeClip(tmp, clipSize, clipSeconds);
      raw = await rawJobSeconds(clip, rawRuns);
      console.error(`  raw ffmpeg, one job on core 0: ${raw.all.map((s) => s.toFixed(2)).join(', ')} s`);
      const before = pidsWith('s3swift');
      const s3 = await s3Env();
      const s3Pids = new Set([...pidsWith('s3swift')].filter((x) => !before.has(x)));
      if (!s3) throw new Error('part 1 needs the S3 fixture (test/storage/s3-fixture.ts) or S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY');
      try {
        for (const workers of workerCounts) {
          const r = await clusterThroughput({ pg: server, s3, workers, jobs, clip, idleSeconds, s3Pids, ...(cpuProfileDir ? { cpuProfileDir } : {}) });
          console.error(
            `  cluster, ${workers} worker(s): ${r.completed}/${r.jobs} completed in ${r.wallSeconds.toFixed(1)} s: ${r.jobsPerHour.toFixed(0)} jobs/h`,
          );
          throughput.push(r);
        }
      } finally {
        s3.stop();
      }
    }
    console.error(`part ${part} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
  server.stop();
}

const out: string[] = [];
const p = (s = '') => out.push(s);
p(
  `cluster benchmark, ${startedAt.toISOString()} (commit ${commit}${dirtySrc ? `; uncommitted changes in src/appliance: ${dirtySrc.split('\n').length} files` : ''})`,
);
p(
  `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average at start ${loadAtStart}, at end ${load()}`,
);
p(server.describe);
p();

if (throughput.length) {
  p(
    `1. Jobs per hour: ${clipSize} ${clipSeconds} s clip, ladder professional, HLS + DASH, default x264 preset; api node + worker node(s), PostgreSQL + S3, encrypted at rest`,
  );
  p(`   ${jobs} jobs submitted at once; wall time = first job.submitted → last job.completed (audit trail)`);
  p('| setup | completed | wall (s) | jobs/hour | vs 1 worker | probe / encode / package task (s, median) | tasks per worker | audit events per job |');
  p('| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |');
  const one = throughput.find((t) => t.workers === 1);
  for (const t of throughput)
    p(
      `| ${t.workers} worker${t.workers > 1 ? 's' : ''} (one core each) | ${t.completed}/${t.jobs} | ${f(t.wallSeconds)} | ${f(t.jobsPerHour, 0)} | ${one ? f(t.jobsPerHour / one.jobsPerHour, 2) : '—'}× | ${['probe', 'encode', 'package'].map((k) => f(t.taskSeconds[k], 2)).join(' / ')} | ${Object.entries(
        t.tasksByWorker,
      )
        .map(([w, n]) => `${w}: ${n}`)
        .join(', ')} | ${f(t.auditEventsPerJob, 1)} |`,
    );
  if (raw) {
    p(
      `| raw ffmpeg on core 0 (probe + one-command ladder + HLS + DASH, one job after another; rungs ${raw.rungs.join(', ')}) | ${rawRuns} runs | ${f(raw.median, 2)} per job | ${f(3600 / raw.median, 0)} | ${one ? `appliance 1 worker = ${f(one.jobsPerHour / (3600 / raw.median), 2)}× raw` : '—'} | | | |`,
    );
  }
  p();
  p('   What the cluster asks of PostgreSQL (pg_stat_statements; "lock" = SELECT pg_advisory_xact_lock, the audit-chain lock every write transaction takes)');
  p('| setup | phase | lock acquisitions/s | lock wait (ms/s) | statements/s | lock acquisitions per job | lock wait per job (ms) |');
  p('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const t of throughput) {
    const name = `api + ${t.workers} worker${t.workers > 1 ? 's' : ''}`;
    if (t.idle)
      p(
        `| ${name} | idle, ${f(t.idle.seconds, 0)} s | ${f(t.idle.lockPerSecond)} | ${f(t.idle.lockWaitMsPerSecond, 2)} | ${f(t.idle.statementsPerSecond)} | | |`,
      );
    if (t.busy)
      p(
        `| ${name} | running the jobs, ${f(t.busy.seconds, 0)} s | ${f(t.busy.lockPerSecond)} | ${f(t.busy.lockWaitMsPerSecond, 2)} | ${f(t.busy.statementsPerSecond)} | ${f(t.busy.lockCallsPerJob)} | ${f(t.busy.lockWaitMsPerJob, 1)} |`,
      );
  }
  p();
}

if (throughput.length) {
  p('   Where the CPU went while the jobs ran (/proc: CPU seconds per job; a node\u2019s encoders are its reaped children)');
  const groups = [...new Set(throughput.flatMap((t) => Object.keys(t.cpu.perJob)))].sort();
  p(`| setup | machine busy (cores of 2) | ${groups.join(' | ')} |`);
  p(`| --- | ---: | ${groups.map(() => '---:').join(' | ')} |`);
  for (const t of throughput)
    p(`| api + ${t.workers} worker${t.workers > 1 ? 's' : ''} | ${f(t.cpu.busyCores, 2)} | ${groups.map((g) => f(t.cpu.perJob[g], 2)).join(' | ')} |`);
  p();
}

if (storeCost) {
  const r = storeCost.recorded;
  p('2. Store time per job (a real job\u2019s store calls, recorded on the runtime, replayed sequentially in-process on each store)');
  p(
    `   recorded job: ${f(r.jobSeconds, 1)} s wall; ${r.auditedChanges} audited transactions (${r.txCalls} calls inside them), ${r.auditEvents} audit events, ${r.readsOutsideTx} reads outside transactions (${Object.entries(
      r.readsByPath,
    )
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ')})`,
  );
  p(
    `   audit events: ${Object.entries(r.events)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ')}`,
  );
  p(
    `   scheduler polling during the job (not replayed as the job's): ${r.pollChanges} transactions without an audit event, ${r.pollReads} pre-lease reads; idle afterwards: ${f(r.idleChangesPerSecond)} write transactions/s, ${f(r.idleReadsPerSecond)} reads/s`,
  );
  p(
    '| store | store time per job (ms, median) | p95 | in transactions | reads outside | statements per job | audit-chain lock per job | idle worker tick, as built (ms) | idle worker tick before b930583 (ms) |',
  );
  p('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of storeCost.rows)
    p(
      `| ${row.store} | ${f(row.msPerJob)} | ${f(row.p95MsPerJob)} | ${f(row.changeMsPerJob)} | ${f(row.readMsPerJob)} | ${f(row.statementsPerJob, 0)} | ${f(row.lockCallsPerJob, 0)} | ${f(row.tickNowMs, 2)} | ${f(row.tickBeforeMs, 2)} |`,
    );
  const pgRow = storeCost.rows.find((x) => x.lockCallsPerJob !== undefined) ?? storeCost.rows[1];
  if (storeCost.rows.length === 2) p(`   PostgreSQL ÷ SQLite: ${f(storeCost.rows[1]!.msPerJob / storeCost.rows[0]!.msPerJob, 2)}× the store time per job`);
  if (pgRow)
    p(
      `   an idle worker ticks 4×/s (tickMs 250): before b930583 that was 16 transactions/s under the audit-chain lock per idle worker (4/s for an api node), holding it ≈ ${f(4 * pgRow.tickBeforeMs, 0)} ms of every second on PostgreSQL; as built, 8 reads/s and no lock (${f(4 * pgRow.tickNowMs, 1)} ms/s of store time)`,
    );
  p();
}

if (chain) {
  p('3. Audit append under contention on PostgreSQL: advisory lock (built) vs row lock on a one-row head table (best of 2, ' + lockSeconds + ' s each)');
  p('| synchronous_commit | appenders | advisory (appends/s) | row lock (appends/s) | advisory ÷ row | advisory p50 / p99 (ms) | row p50 / p99 (ms) |');
  p('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (let i = 0; i < chain.length; i += 2) {
    const a = chain[i]!;
    const r = chain[i + 1]!;
    p(
      `| ${a.synchronousCommit} | ${a.appenders} | ${f(a.perSecond, 0)} | ${f(r.perSecond, 0)} | ${f(a.perSecond / r.perSecond, 2)} | ${f(a.p50Ms, 2)} / ${f(a.p99Ms, 2)} | ${f(r.p50Ms, 2)} / ${f(r.p99Ms, 2)} |`,
    );
  }
  p();
}

if (relay) {
  p('4. Live events between two nodes (relayEvents over NOTIFY/LISTEN): task.state published on node A\u2019s bus until node B\u2019s bus hears it');
  p('| scenario | received | p50 (ms) | p95 (ms) | max (ms) |');
  p('| --- | ---: | ---: | ---: | ---: |');
  for (const s of relay) p(`| ${s.label} | ${s.received}/${s.events} | ${f(s.p50Ms, 2)} | ${f(s.p95Ms, 2)} | ${f(s.maxMs, 2)} |`);
  p();
}

if (lists.length) {
  p(`5. Jobs list (store.jobs.list) at ${listJobs} jobs: first run / median of the next 5 (ms); target < 100 ms per page`);
  const labels = lists[0]!.timings.map((t) => t.label);
  p(`| query | ${lists.map((l) => `${l.store} (ms)`).join(' | ')} | items |`);
  p(`| --- | ${lists.map(() => '---:').join(' | ')} | ---: |`);
  for (const label of labels) {
    const cells = lists.map((l) => l.timings.find((t) => t.label === label)!);
    p(`| ${label} | ${cells.map((c) => `${f(c.firstMs)} / **${f(c.medianMs)}**`).join(' | ')} | ${cells[0]!.items} |`);
  }
  p(`| walking to the middle, per 500-job page (mean) | ${lists.map((l) => f(l.walkMsPer500, 1)).join(' | ')} | 500 |`);
  p(`| seeding ${listJobs} jobs through tx.jobs.insert (s) | ${lists.map((l) => f(l.seedSeconds, 1)).join(' | ')} | |`);
  p();
}

console.log(out.join('\n'));
console.log(JSON.stringify({ startedAt, commit, cores: cpus().length, server: server.describe, throughput, raw, storeCost, chain, relay, lists }));

// Part 1: jobs per hour of a real cluster on this machine, one worker against two. Each setup is
// started fresh as test/e2e/cluster.test.ts starts its nodes: an `api` node and 1 or 2 `worker`
// nodes (`mpegflow start`, each worker's three pools pinned to its own core), one new database
// on the benchmark's PostgreSQL, the S3 fixture, a shared KEK (objects encrypted at rest, scratch
// in /dev/shm), the image preloaded on the api node and copied to the workers. N jobs of the
// 640x360 4 s clip (ladder professional, HLS + DASH, the appliance's default x264 preset) are
// submitted at once; the wall time runs from the first `job.submitted` to the last
// `job.completed` in the audit trail. Before the jobs, an idle window counts what the idle
// cluster asks of PostgreSQL (pg_stat_statements: audit-chain lock acquisitions, statements).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { planLadder } from '../../src/media/ladder-plan.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { encodeLadderArgs } from '../../src/media/encode-args.js';
import { cmafMuxArgs, packageInputs } from '../../src/media/package-args.js';
import { parseProbe } from '../../src/media/parse-probe.js';
import { probeArgs } from '../../src/media/probe-args.js';
import { renditionPath } from '../../src/supervisor/stages/encode-stage.js';
import { apiClient } from '../../test/helpers/api-client.js';
import { killServers, runCli, startServer, type Started } from '../../test/helpers/cli.js';
import { testClipArgs } from '../../test/helpers/clip-args.js';
import { testImage } from '../../test/helpers/ffmpeg-image.js';
import { preloadEncoderImage } from '../../test/helpers/preloaded-image.js';
import type { S3Env } from '../../test/storage/s3-fixture.js';
import { diffSnapshots, statementSnapshot, type BenchPostgres } from './pg-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds by who spent them (from /proc; 100 clock ticks per second). */
interface CpuSample {
  at: number;
  busy: number;
  groups: Record<string, number>;
}

function procStat(pid: number | string): { comm: string; ppid: number; self: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    return {
      comm: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(f[1]),
      self: (Number(f[11]) + Number(f[12])) / 100,
      children: (Number(f[13]) + Number(f[14])) / 100,
    };
  } catch {
    return undefined;
  }
}

/**
 * Where the CPU went: each node process (its own threads: HTTP, S3 client, encryption, store),
 * the encoders it ran (its reaped children), PostgreSQL (backends + exited ones), the S3 fixture,
 * this benchmark, and the whole machine's busy time.
 */
function sampleCpu(nodes: Record<string, number>, roots: { postgres?: number; s3: ReadonlySet<number> }): CpuSample {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = (cpu.reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!) / 100;
  const groups: Record<string, number> = {};
  const add = (g: string, v: number) => (groups[g] = (groups[g] ?? 0) + v);
  for (const [id, pid] of Object.entries(nodes)) {
    const st = procStat(pid);
    if (!st) continue;
    add(`${id} node process`, st.self);
    add(`${id} encoders (ffmpeg)`, st.children);
  }
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const st = procStat(pid);
    if (!st) continue;
    const p = Number(pid);
    // This benchmark's server only (the postmaster's own CPU and its reaped backends, and live backends).
    if (roots.postgres !== undefined && (p === roots.postgres || st.ppid === roots.postgres)) add('postgresql', st.self + st.children);
    else if (roots.s3.has(p) || roots.s3.has(st.ppid)) add('s3 fixture (swift)', st.self + st.children);
  }
  const self = process.cpuUsage();
  add('benchmark process', (self.user + self.system) / 1e6);
  return { at: performance.now(), busy, groups };
}

/** Pids of processes whose command line contains `text`. */
export function pidsWith(text: string): Set<number> {
  const out = new Set<number>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) out.add(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

export interface CpuFigures {
  seconds: number;
  /** Machine busy time over the phase, in cores (2 = both cores busy all the time). */
  busyCores: number;
  /** CPU seconds per job by group. */
  perJob: Record<string, number>;
}

function cpuFigures(a: CpuSample, b: CpuSample, jobs: number): CpuFigures {
  const seconds = (b.at - a.at) / 1000;
  const perJob: Record<string, number> = {};
  for (const [g, v] of Object.entries(b.groups)) perJob[g] = (v - (a.groups[g] ?? 0)) / jobs;
  return { seconds, busyCores: (b.busy - a.busy) / seconds, perJob };
}

export interface LoadFigures {
  seconds: number;
  lockPerSecond: number;
  lockWaitMsPerSecond: number;
  commitsPerSecond: number;
  statementsPerSecond: number;
}

export interface ThroughputResult {
  workers: number;
  jobs: number;
  completed: number;
  wallSeconds: number;
  jobsPerHour: number;
  /** Median seconds from task.started to task.succeeded, per kind. */
  taskSeconds: Record<string, number>;
  /** Tasks each worker ran. */
  tasksByWorker: Record<string, number>;
  auditEventsPerJob: number;
  idle: LoadFigures | null;
  busy: (LoadFigures & { lockCallsPerJob: number; lockWaitMsPerJob: number }) | null;
  cpu: CpuFigures;
}

function loadFigures(d: ReturnType<typeof diffSnapshots>): LoadFigures {
  return {
    seconds: d.seconds,
    lockPerSecond: d.lockCalls / d.seconds,
    lockWaitMsPerSecond: d.lockMs / d.seconds,
    commitsPerSecond: d.commits / d.seconds,
    statementsPerSecond: d.statements / d.seconds,
  };
}

/** The clip the cluster test uses (test/helpers/clip-args.ts): testsrc2 640x360 25 fps + sine, 4 s. */
export async function makeClip(dir: string, size = '640x360', seconds = 4): Promise<string> {
  const clip = join(dir, `master-${size}-${seconds}s.mp4`);
  const ff = (await testImage()).argv('ffmpeg');
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs(size, seconds), clip], { env: { LC_ALL: 'C' } });
  if (gen.status !== 0) throw new Error(String(gen.stderr));
  return clip;
}

/**
 * Raw ffmpeg on one core (taskset -c 0), no appliance: ffprobe, the one-command ladder with the
 * appliance's argv (default preset), HLS and DASH packaging — one job's work, run `runs` times.
 */
export async function rawJobSeconds(clip: string, runs: number): Promise<{ median: number; all: number[]; rungs: string[] }> {
  const img = await testImage();
  const run = (bin: 'ffmpeg' | 'ffprobe', args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const argv = img.argv(bin);
      const hardened = bin === 'ffmpeg' ? ['-nostdin', ...args.flatMap((a) => (a === '-i' ? ['-protocol_whitelist', 'file,pipe', a] : [a]))] : args;
      const child = spawn('taskset', ['-c', '0', ...argv, ...hardened], { env: { LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (err = (err + d).slice(-4000)));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited ${code}: ${err}`))));
    });
  const all: number[] = [];
  let rungs: string[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mpegflow-bench-raw-'));
    try {
      const t = performance.now();
      const plan = planLadder(parseProbe(await run('ffprobe', probeArgs(clip))), professionalTemplate);
      rungs = plan.rungs.map((r) => r.name);
      await run(
        'ffmpeg',
        encodeLadderArgs(plan, {
          input: clip,
          rungOutputs: plan.rungs.map((r) => renditionPath(dir, r.name)),
          audioOutputs: plan.audio.map((a) => renditionPath(dir, a.name)),
        }),
      );
      const inputs = packageInputs(plan, {
        videos: plan.rungs.map((r, k) => ({ rungIndex: k, path: renditionPath(dir, r.name) })),
        audio: plan.audio.map((a) => ({ name: a.name, path: renditionPath(dir, a.name) })),
      });
      mkdirSync(join(dir, 'mux'), { recursive: true });
      await run('ffmpeg', cmafMuxArgs(plan, inputs, { muxDir: join(dir, 'mux') }));
      all.push((performance.now() - t) / 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { median: [...all].sort((a, b) => a - b)[Math.floor(all.length / 2)]!, all, rungs };
}

export async function clusterThroughput(options: {
  pg: BenchPostgres;
  s3: S3Env;
  workers: 1 | 2;
  jobs: number;
  clip: string;
  idleSeconds: number;
  /** The S3 fixture's processes (its CPU is counted). */
  s3Pids: ReadonlySet<number>;
  /** Where the worker nodes write a V8 CPU profile at exit (node --cpu-prof), if set. */
  cpuProfileDir?: string;
}): Promise<ThroughputResult> {
  const { pg: server, s3 } = options;
  const databaseUrl = await server.createDatabase('mpegflow_bench_cluster');
  const root = mkdtempSync(join(tmpdir(), `mpegflow-bench-cluster-${options.workers}w-`));
  const scratches: string[] = [];
  const started: Started[] = [];
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    const kek = join(root, 'facility-kek.hex');
    writeFileSync(kek, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const shared = {
      MPEGFLOW_DATABASE_URL: databaseUrl,
      MPEGFLOW_S3_ENDPOINT: s3.endpoint,
      MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
      MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
      MPEGFLOW_KEK_FILE: kek,
    };
    const node = (id: string, file: Record<string, unknown>) => {
      const cwd = join(root, id);
      mkdirSync(cwd, { recursive: true });
      const scratch = `/dev/shm/mpegflow-bench-cluster-${id}-${randomBytes(3).toString('hex')}`;
      scratches.push(scratch);
      writeFileSync(join(cwd, 'config.json'), JSON.stringify({ ...file, atRest: { scratchDir: scratch } }));
      return { id, cwd, env: { ...shared, MPEGFLOW_NODE_ID: id, MPEGFLOW_CONFIG: join(cwd, 'config.json') } };
    };
    const pinned = (core: number) => ({
      node: { roles: ['worker'] },
      pools: { probe: { cores: [core], slots: 1 }, encode: { cores: [core], slots: 1 }, package: { cores: [core], slots: 1 } },
    });
    const api = node('api', { node: { roles: ['api'] } });
    const workers = Array.from({ length: options.workers }, (_, i) => node(`w${i + 1}`, pinned(i)));

    await preloadEncoderImage(api.cwd, api.env);
    const imageId = readdirSync(join(api.cwd, 'data', 'images')).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    for (const w of workers) {
      const init = runCli(['init'], { cwd: w.cwd, env: w.env });
      if (init.code !== 0) throw new Error(`init ${w.id}: ${init.stdout}${init.stderr}`);
      cpSync(join(api.cwd, 'data', 'images', imageId), join(w.cwd, 'data', 'images', imageId), { recursive: true });
      copyFileSync(join(api.cwd, 'data', 'trust', 'audit-key.pub.asc'), join(w.cwd, 'data', 'trust', 'api-audit-key.pub.asc'));
    }
    const a = await startServer({ cwd: api.cwd, env: api.env, timeoutMs: 180_000, detached: true });
    started.push(a);
    const preload = new URL('./cpu-profile-preload.js', import.meta.url).href;
    const prof: Record<string, string> = options.cpuProfileDir ? { NODE_OPTIONS: `--import=${preload}`, BENCH_CPU_PROF_DIR: options.cpuProfileDir } : {};
    for (const w of workers) started.push(await startServer({ cwd: w.cwd, env: { ...w.env, ...prof }, timeoutMs: 180_000, detached: true }));
    const token = readFileSync(join(api.cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
    const client = apiClient(a.url, token);
    for (let i = 0; ; i++) {
      const nodes = (await (await client.get('/api/v1/nodes')).json()) as { items: Array<{ id: string; live: boolean }> };
      if (workers.every((w) => nodes.items.some((n) => n.id === w.id && n.live))) break;
      if (i > 120) throw new Error(`workers not live: ${JSON.stringify(nodes.items)}`);
      await sleep(500);
    }
    const up = await client.upload(options.clip);
    if (up.status !== 201) throw new Error(`upload: ${up.status} ${await up.text()}`);
    const input = (await up.json()) as { key: string };

    // The idle cluster: what it asks of PostgreSQL with nothing to do.
    let idle: LoadFigures | null = null;
    if (server.statements) {
      await sleep(2000);
      const s0 = await statementSnapshot(server.adminUrl, databaseUrl);
      await sleep(options.idleSeconds * 1000);
      idle = loadFigures(diffSnapshots(s0, await statementSnapshot(server.adminUrl, databaseUrl)));
    }

    const nodePids = Object.fromEntries([api, ...workers].map((n, i) => [n.id, started[i]!.child.pid!]));
    const cpuRoots = { ...(server.pid !== undefined ? { postgres: server.pid } : {}), s3: options.s3Pids };
    const c0 = sampleCpu(nodePids, cpuRoots);
    const b0 = server.statements ? await statementSnapshot(server.adminUrl, databaseUrl) : undefined;
    const ids: string[] = [];
    for (let i = 0; i < options.jobs; i++) {
      const r = await client.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
      if (r.status !== 201) throw new Error(`submit: ${r.status} ${await r.text()}`);
      ids.push(((await r.json()) as { id: string }).id);
    }
    const until = Date.now() + 30 * 60_000;
    let states: string[] = [];
    for (;;) {
      states = await Promise.all(ids.map(async (id) => ((await (await client.get(`/api/v1/jobs/${id}`)).json()) as { state: string }).state));
      if (states.every((s) => ['completed', 'failed', 'partial', 'cancelled'].includes(s))) break;
      if (Date.now() > until) throw new Error(`jobs still running after 30 min: ${states.join(',')}`);
      await sleep(500);
    }
    const b1 = b0 ? await statementSnapshot(server.adminUrl, databaseUrl) : undefined;
    const c1 = sampleCpu(nodePids, cpuRoots);

    await db.connect();
    const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await db.query<R>(sql, params)).rows;
    const span = (
      await q<{ first: string; last: string }>(
        "SELECT (SELECT min(at) FROM audit_events WHERE type = 'job.submitted') AS first, (SELECT max(at) FROM audit_events WHERE type = 'job.completed') AS last",
      )
    )[0]!;
    const wallSeconds = (Date.parse(span.last) - Date.parse(span.first)) / 1000;
    const tasks = await q<{ kind: string; owner: string; started: string; ended: string }>(
      `SELECT s.payload::json->>'kind' AS kind, split_part(s.payload::json->>'owner', '/', 1) AS owner, s.at AS started,
              (SELECT min(e.at) FROM audit_events e WHERE e.type IN ('task.succeeded', 'job.probed') AND e.seq > s.seq AND e.payload::json->>'taskId' = s.payload::json->>'taskId') AS ended
       FROM audit_events s WHERE s.type = 'task.started'`,
    );
    const byKind = new Map<string, number[]>();
    const tasksByWorker: Record<string, number> = {};
    for (const t of tasks) {
      tasksByWorker[t.owner] = (tasksByWorker[t.owner] ?? 0) + 1;
      if (!t.ended) continue;
      byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), (Date.parse(t.ended) - Date.parse(t.started)) / 1000]);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const perJob = await q<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE job_id = ANY($1)', [ids]);
    const completed = states.filter((s) => s === 'completed').length;
    const busy = b0 && b1 ? diffSnapshots(b0, b1) : undefined;
    return {
      workers: options.workers,
      jobs: options.jobs,
      completed,
      wallSeconds,
      jobsPerHour: (completed / wallSeconds) * 3600,
      taskSeconds: Object.fromEntries([...byKind].map(([k, xs]) => [k, median(xs)])),
      tasksByWorker,
      auditEventsPerJob: Number(perJob[0]!.n) / options.jobs,
      idle,
      busy: busy ? { ...loadFigures(busy), lockCallsPerJob: busy.lockCalls / options.jobs, lockWaitMsPerJob: busy.lockMs / options.jobs } : null,
      cpu: cpuFigures(c0, c1, options.jobs),
    };
  } finally {
    await db.end().catch(() => undefined);
    for (const s of started.reverse()) {
      const stopped = await Promise.race([s.stop(), sleep(60_000).then(() => 'timeout' as const)]);
      if (stopped === 'timeout') {
        try {
          process.kill(-s.child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    killServers();
    for (const d of [root, ...scratches]) rmSync(d, { recursive: true, force: true });
  }
}

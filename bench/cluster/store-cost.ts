// Part 2: the control plane's cost per job on each store. A real job (the 640x360 4 s clip,
// ladder professional, HLS + DASH) runs once through the real runtime in this process (SQLite,
// embedded objects, the real FFmpeg image, x264 ultrafast: the store calls do not depend on the
// preset) behind a recording proxy of the Store: every store.change (with each tx call inside it,
// in order, with its arguments) and every read outside a transaction is logged. Then an idle
// window of the same runtime is recorded (what the scheduler's polling does with nothing to do).
//
// The log is then replayed, sequentially, against a fresh SqliteStore and a fresh PostgresStore
// (job and task ids renamed per replayed job): the store's own time per job, with no encoder,
// no HTTP and no other process competing for it. Transactions that append no audit event are
// the scheduler's polling (requeueExpired and the lease attempts that find nothing); they are
// replayed and priced apart.
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/events/event-bus.js';
import { createLogger } from '../../src/log/logger.js';
import { createJobRuntime } from '../../src/runtime/runtime.js';
import { newId } from '../../src/runtime/ids.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store, StoreTx } from '../../src/store/store.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { testClipArgs } from '../../test/helpers/clip-args.js';
import { testImage } from '../../test/helpers/ffmpeg-image.js';
import { signedImageCopy } from '../../test/helpers/signed-image.js';
import { diffSnapshots, statementSnapshot } from './pg-server.js';

interface TxCall {
  path: string;
  args: string;
}

type Op = { kind: 'change'; calls: TxCall[]; audits: string[]; ms: number } | { kind: 'read'; path: string; args: string; ms: number };

/** The scheduler's reads before it leases (src/runtime/scheduler.ts): polling, not a job's work. */
const POLL_READS = new Set(['tasks.anyExpired', 'tasks.leasableKinds']);

const GROUPS = new Set([
  'jobs',
  'tasks',
  'users',
  'sessions',
  'tokens',
  'images',
  'webhooks',
  'ingests',
  'stats',
  'audit',
  'dataKeys',
  'nodes',
  'duties',
  'auditExports',
]);

/** A Store that logs what is asked of it while `recording`. */
function recordingStore(inner: Store) {
  const log: Op[] = [];
  let recording = false;
  const txProxy = (tx: StoreTx, entry: Extract<Op, { kind: 'change' }> | null): StoreTx =>
    new Proxy(tx, {
      get(target, prop) {
        const v = Reflect.get(target, prop) as unknown;
        const name = String(prop);
        if (typeof v === 'function')
          return (...args: unknown[]) => {
            entry?.calls.push({ path: name, args: JSON.stringify(args) });
            if (name === 'audit') entry?.audits.push((args[0] as { type: string }).type);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        if (v && typeof v === 'object')
          return new Proxy(v, {
            get(group, method) {
              const f = Reflect.get(group, method) as unknown;
              if (typeof f !== 'function') return f;
              return (...args: unknown[]) => {
                entry?.calls.push({ path: `${name}.${String(method)}`, args: JSON.stringify(args) });
                return (f as (...a: unknown[]) => unknown).apply(group, args);
              };
            },
          });
        return v;
      },
    });
  const store = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      const name = String(prop);
      if (name === 'change')
        return async <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
          const entry: Extract<Op, { kind: 'change' }> | null = recording ? { kind: 'change', calls: [], audits: [], ms: 0 } : null;
          if (entry) log.push(entry);
          const t = performance.now();
          try {
            return await target.change((tx) => fn(txProxy(tx, entry)));
          } finally {
            if (entry) entry.ms = performance.now() - t;
          }
        };
      if (GROUPS.has(name) && v && typeof v === 'object')
        return new Proxy(v, {
          get(group, method) {
            const f = Reflect.get(group, method) as unknown;
            if (typeof f !== 'function') return f;
            return (...args: unknown[]) => {
              const result = (f as (...a: unknown[]) => unknown).apply(group, args);
              if (recording && result && typeof (result as Promise<unknown>).then === 'function') {
                const entry: Op = { kind: 'read', path: `${name}.${String(method)}`, args: JSON.stringify(args), ms: 0 };
                log.push(entry);
                const t = performance.now();
                void (result as Promise<unknown>).then(
                  () => (entry.ms = performance.now() - t),
                  () => (entry.ms = performance.now() - t),
                );
              }
              return result;
            };
          },
        });
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    store,
    log,
    start: () => void (recording = true),
    stop: () => void (recording = false),
    take: () => log.splice(0),
  };
}

export interface RecordedJob {
  jobOps: Op[];
  idleOps: Op[];
  idleSeconds: number;
  jobSeconds: number;
  imageId: string;
  imageRow: { name: string; version: string; path: string; manifest: string };
  /** Audit event types of the job, in order. */
  events: string[];
}

/** Runs one real job through the runtime on a recording SqliteStore and logs its store calls. */
export async function recordJob(options: { idleSeconds: number }): Promise<RecordedJob> {
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-bench-record-'));
  try {
    const inner = new SqliteStore({ path: join(dir, 'mpegflow.db') });
    const rec = recordingStore(inner);
    const objects = new EmbeddedStore({ root: join(dir, 'objects') });
    await objects.open();
    const pool = (cores: number[]) => ({ cores, slots: 1, timeoutSeconds: 300, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 });
    const config = {
      pools: { probe: pool([1]), encode: pool([0]), package: pool([1]) },
      policies: { partialLadder: 'wait' as const, maxAttempts: 3, maxInterruptions: 10, interruptionBackoffSeconds: 1 },
      chunking: { enabled: true, thresholdSeconds: 300, chunkSeconds: 60 },
    };
    const supervisor = new Supervisor(config);
    const bus = new EventBus();
    const { ref, trust } = await signedImageCopy();
    const imageRow = { name: 'debian-ffmpeg-7.1', version: 'bench', path: ref.dir, manifest: readFileSync(join(ref.dir, 'manifest.json'), 'utf8') };
    await inner.change(async (tx) => {
      await tx.images.insert({ id: ref.id, ...imageRow, state: 'verified', verifiedAt: new Date().toISOString() });
      await tx.audit({ type: 'encoder_image.imported', actor: 'bench', payload: { id: ref.id } });
    });
    mkdirSync(join(dir, 'scratch'), { recursive: true });
    const clip = join(dir, 'master-360p.mp4');
    const ff = (await testImage()).argv('ffmpeg');
    const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('640x360', 4), clip], { env: { LC_ALL: 'C' } });
    if (gen.status !== 0) throw new Error(String(gen.stderr));
    await objects.put('input', 'master-360p.mp4', createReadStream(clip));
    const runtime = createJobRuntime({
      store: rec.store,
      objects,
      supervisor,
      bus,
      config,
      trust,
      logger: createLogger('silent'),
      scratchDir: join(dir, 'scratch'),
      imagesDir: join(dir, 'images'),
      x264Preset: 'ultrafast',
    });
    await runtime.start();
    await new Promise((r) => setTimeout(r, 1000));
    let jobId = '';
    const ended = new Promise<string>((resolve) =>
      bus.subscribe((e) => {
        if (e.type === 'job.state' && e.jobId === jobId && ['completed', 'failed', 'partial', 'cancelled'].includes(e.state)) resolve(e.state);
      }),
    );
    rec.start();
    const t0 = performance.now();
    jobId = (await runtime.submit({ input: { key: 'master-360p.mp4' }, ladder: 'professional', packaging: ['hls', 'dash'] }, { actor: 'token:bench' })).job.id;
    const state = await ended;
    const jobSeconds = (performance.now() - t0) / 1000;
    if (state !== 'completed') throw new Error(`the recorded job ended ${state}`);
    // Let the last commit's follow-ups (job.state read, the kick's tick) land in the job's log.
    await new Promise((r) => setTimeout(r, 300));
    const jobOps = rec.take();
    await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
    const idleOps = rec.take();
    rec.stop();
    await runtime.stop('bench');
    await supervisor.close();
    await objects.close();
    const events = (await inner.audit.list({ jobId, limit: 1000 })).map((e) => e.type);
    await inner.close();
    return { jobOps, idleOps, idleSeconds: options.idleSeconds, jobSeconds, imageId: ref.id, imageRow, events };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function call(target: unknown, path: string, args: unknown[]): Promise<unknown> {
  const parts = path.split('.');
  let owner = target as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) owner = owner[p] as Record<string, unknown>;
  return (owner[parts[parts.length - 1]!] as (...a: unknown[]) => Promise<unknown>)(...args);
}

const ID = /\b(job|task)_[0-9a-z]{9}[0-9a-f]{12}\b/g;

/** The op log with every job and task id replaced by a fresh one (a new job each time). */
function renamed(ops: Op[]): Op[] {
  const text = JSON.stringify(ops);
  const ids = new Map<string, string>();
  const out = text.replace(ID, (id, prefix: 'job' | 'task') => {
    if (!ids.has(id)) ids.set(id, newId(prefix));
    return ids.get(id)!;
  });
  return JSON.parse(out) as Op[];
}

async function replay(store: Store, ops: Op[]): Promise<{ ms: number; changeMs: number; readMs: number }> {
  let changeMs = 0;
  let readMs = 0;
  for (const op of ops) {
    const t = performance.now();
    if (op.kind === 'change') {
      await store.change(async (tx) => {
        for (const c of op.calls) await call(tx, c.path, JSON.parse(c.args) as unknown[]);
      });
      changeMs += performance.now() - t;
    } else {
      await call(store, op.path, JSON.parse(op.args) as unknown[]);
      readMs += performance.now() - t;
    }
  }
  return { ms: changeMs + readMs, changeMs, readMs };
}

export interface StoreCostRow {
  store: string;
  jobs: number;
  /** Median per job, ms. */
  msPerJob: number;
  p95MsPerJob: number;
  changeMsPerJob: number;
  readMsPerJob: number;
  /** One idle scheduler tick of a worker (all pools free, nothing pending), median ms: as built (two reads)… */
  tickNowMs: number;
  /** …and as before b930583 (four write transactions, each taking the audit-chain lock on PostgreSQL). */
  tickBeforeMs: number;
  /** PostgreSQL: statements per job and audit-chain lock acquisitions per job (pg_stat_statements). */
  statementsPerJob?: number;
  lockCallsPerJob?: number;
}

export interface StoreCostResult {
  recorded: {
    jobSeconds: number;
    auditedChanges: number;
    auditEvents: number;
    pollChanges: number;
    pollReads: number;
    readsOutsideTx: number;
    readsByPath: Record<string, number>;
    txCalls: number;
    idleChangesPerSecond: number;
    idleReadsPerSecond: number;
    events: Record<string, number>;
    /** The recording's own store time (SQLite, with the encoder running beside it), ms. */
    recordedStoreMs: number;
  };
  rows: StoreCostRow[];
}

/** Replays the recorded job `jobs` times on each store (fresh database each), interleaved, and prices the polling. */
export async function storeCostBench(
  recorded: RecordedJob,
  pg: { createDatabase(): Promise<string>; adminUrl: string; statements: boolean },
  options: { jobs: number },
): Promise<StoreCostResult> {
  // The scheduler's polling: transactions that append nothing, and its pre-lease reads.
  const polling = (o: Op) => (o.kind === 'change' ? o.audits.length === 0 : POLL_READS.has(o.path));
  const audited = recorded.jobOps.filter((o) => !polling(o));
  const polls = recorded.jobOps.filter(polling);
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
  const events = count(recorded.jobOps.flatMap((o) => (o.kind === 'change' ? o.audits : [])));
  const tmp = mkdtempSync(join(tmpdir(), 'mpegflow-bench-replay-'));
  const rows: StoreCostRow[] = [];
  try {
    for (const kind of ['sqlite', 'postgres'] as const) {
      const url = kind === 'postgres' ? await pg.createDatabase() : undefined;
      const store: Store = url ? await PostgresStore.open({ url }) : new SqliteStore({ path: join(tmp, 'replay.db') });
      await store.change(async (tx) => {
        await tx.images.insert({ id: recorded.imageId, ...recorded.imageRow, state: 'verified', verifiedAt: new Date().toISOString() });
        await tx.audit({ type: 'encoder_image.imported', actor: 'bench', payload: { id: recorded.imageId } });
      });
      // Warm-up: two jobs not counted.
      for (let i = 0; i < 2; i++) await replay(store, renamed(audited));
      const before = url && pg.statements ? await statementSnapshot(pg.adminUrl, url) : undefined;
      const per: Array<{ ms: number; changeMs: number; readMs: number }> = [];
      for (let i = 0; i < options.jobs; i++) per.push(await replay(store, renamed(audited)));
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const after = url && pg.statements ? await statementSnapshot(pg.adminUrl, url) : undefined;
      // An idle worker's scheduler tick, as built (reads only) and as it was before b930583 (a
      // requeueExpired transaction and one lease transaction per pool, each under the chain lock).
      const now = Date.now();
      const kinds = ['probe', 'encode', 'package'] as const;
      const images = [recorded.imageId];
      const tickNow = async () => {
        await store.tasks.anyExpired(now);
        await store.tasks.leasableKinds({ kinds: [...kinds], now, images });
      };
      const tickBefore = async () => {
        await store.change(async (tx) => {
          await tx.tasks.listExpired(now);
          await tx.tasks.requeueExpired(now);
        });
        for (const k of kinds)
          await store.change(async (tx) => void (await tx.tasks.lease({ kinds: [k], owner: 'w1/bench:1:000000', now, leaseMs: 30_000, images })));
      };
      const timeTicks = async (tick: () => Promise<void>) => {
        const ts: number[] = [];
        for (let i = 0; i < 200; i++) {
          const t = performance.now();
          await tick();
          ts.push(performance.now() - t);
        }
        return med(ts);
      };
      const tickNowMs = await timeTicks(tickNow);
      const tickBeforeMs = await timeTicks(tickBefore);
      await store.close();
      const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN;
      const d = before && after ? diffSnapshots(before, after) : undefined;
      rows.push({
        store: kind === 'sqlite' ? 'SQLite (WAL, synchronous=FULL)' : 'PostgreSQL (fsync on, loopback TCP)',
        jobs: options.jobs,
        msPerJob: med(per.map((p) => p.ms)),
        p95MsPerJob: p95(per.map((p) => p.ms)),
        changeMsPerJob: med(per.map((p) => p.changeMs)),
        readMsPerJob: med(per.map((p) => p.readMs)),
        tickNowMs,
        tickBeforeMs,
        ...(d ? { statementsPerJob: d.statements / options.jobs, lockCallsPerJob: d.lockCalls / options.jobs } : {}),
      });
      console.error(`  store cost: ${kind}: ${med(per.map((p) => p.ms)).toFixed(1)} ms per job`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const idleWrites = recorded.idleOps.filter((o) => o.kind === 'change');
  return {
    recorded: {
      jobSeconds: recorded.jobSeconds,
      auditedChanges: audited.filter((o) => o.kind === 'change').length,
      auditEvents: Object.values(events).reduce((a, b) => a + b, 0),
      pollChanges: polls.filter((o) => o.kind === 'change').length,
      pollReads: polls.filter((o) => o.kind === 'read').length,
      readsOutsideTx: audited.filter((o) => o.kind === 'read').length,
      readsByPath: count(audited.flatMap((o) => (o.kind === 'read' ? [o.path] : []))),
      txCalls: audited.reduce((n, o) => n + (o.kind === 'change' ? o.calls.length : 0), 0),
      idleChangesPerSecond: idleWrites.length / recorded.idleSeconds,
      idleReadsPerSecond: (recorded.idleOps.length - idleWrites.length) / recorded.idleSeconds,
      events,
      recordedStoreMs: audited.reduce((n, o) => n + o.ms, 0),
    },
    rows,
  };
}

// Audit export at scale: seeds N chained events (1 M by default) into a real SQLite file
// through the store's own append path, then exports the whole chain as a signed bundle in a
// child process (so its peak RSS is the export's own), at two sizes to show memory stays flat,
// and verifies the bundle. Baseline in the same run: a bare cursor read of the same rows.
// Usage: npm run bench:audit-export   (AUDIT_EXPORT_BENCH_EVENTS=1000000)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditExporter } from '../src/audit/audit-exporter.js';
import { verifyBundle } from '../src/audit/bundle-verifier.js';
import { generateSigningKey } from '../src/signing/openpgp-keys.js';
import { openDatabase } from '../src/store/sqlite/open-database.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const self = fileURLToPath(import.meta.url);

/** Samples RSS every 20 ms while `work` runs; returns its result, seconds and peak RSS (MiB). */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; startRssMiB: number; peakRssMiB: number }> {
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  return { result, seconds, startRssMiB: startRss / 2 ** 20, peakRssMiB: peak / 2 ** 20 };
}

async function child(mode: string, dbPath: string, keyPath: string, out: string): Promise<void> {
  if (mode === 'export') {
    const store = new SqliteStore({ path: dbPath });
    const exporter = new AuditExporter({ store, keyPath, scratchDir: join(out, '..', 'scratch') });
    const m = await measured(() => exporter.export(out, {}, 'bench'));
    await store.close();
    console.log(
      JSON.stringify({
        events: m.result.manifest.chain.events,
        seconds: m.seconds,
        startRssMiB: m.startRssMiB,
        peakRssMiB: m.peakRssMiB,
        bytes: m.result.size,
      }),
    );
  } else if (mode === 'verify') {
    const m = await measured(() => verifyBundle(out));
    if (!m.result.ok) throw new Error(m.result.failures.join('\n'));
    console.log(JSON.stringify({ seconds: m.seconds, startRssMiB: m.startRssMiB, peakRssMiB: m.peakRssMiB }));
  } else if (mode === 'read') {
    const db = openDatabase(dbPath, { readonly: true });
    const m = await measured(async () => {
      let n = 0;
      for (const _ of db.prepare('SELECT * FROM audit_events ORDER BY seq').raw(true).iterate()) n++;
      return n;
    });
    db.close();
    console.log(JSON.stringify({ events: m.result, seconds: m.seconds, startRssMiB: m.startRssMiB, peakRssMiB: m.peakRssMiB }));
  }
}

function run(mode: string, dbPath: string, keyPath: string, out: string): Record<string, number> {
  const r = spawnSync(process.execPath, [self, mode, dbPath, keyPath, out], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

async function seed(store: SqliteStore, from: number, to: number): Promise<void> {
  const perTx = 10_000;
  for (let i = from; i < to; i += perTx) {
    await store.change(async (tx) => {
      for (let j = i; j < Math.min(to, i + perTx); j++) {
        await tx.audit({
          type: 'task.progress',
          actor: 'runtime',
          jobId: `job_${(j % 500).toString().padStart(4, '0')}`,
          payload: { taskId: `task_${j % 1500}`, state: 'running', attempt: 1, progress: (j % 1000) / 1000, fps: 97.5, speed: '3.9x', rendition: '1080p' },
        });
      }
    });
  }
}

async function main(): Promise<void> {
  const total = Number(process.env.AUDIT_EXPORT_BENCH_EVENTS ?? 1_000_000);
  const small = Math.max(1, Math.floor(total / 10));
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-bench-export-'));
  try {
    const dbPath = join(dir, 'mpegflow.db');
    const keyPath = join(dir, 'audit-key.asc');
    writeFileSync(keyPath, (await generateSigningKey({ name: 'bench' })).privateArmored, { mode: 0o600 });
    const store = new SqliteStore({ path: dbPath });
    const rows: Array<[string, Record<string, number>]> = [];
    let t0 = performance.now();
    await seed(store, 0, small);
    const seedSmall = (performance.now() - t0) / 1000;
    await store.close();
    rows.push([`export ${small} events`, run('export', dbPath, keyPath, join(dir, 'small.tar'))]);
    const store2 = new SqliteStore({ path: dbPath });
    t0 = performance.now();
    await seed(store2, small + 1, total);
    const seedRest = (performance.now() - t0) / 1000;
    await store2.close();
    rows.push([`baseline: cursor read of ${total} rows`, run('read', dbPath, keyPath, '')]);
    rows.push([`export ${total} events`, run('export', dbPath, keyPath, join(dir, 'big.tar'))]);
    rows.push([`verify-bundle of the ${total}-event bundle`, run('verify', dbPath, keyPath, join(dir, 'big.tar'))]);
    console.log(
      `audit export, SQLite file ${(statSync(dbPath).size / 2 ** 20).toFixed(0)} MiB; seeding ${total} events took ${(seedSmall + seedRest).toFixed(1)} s`,
    );
    console.log('| run | seconds | RSS at start (MiB) | peak RSS (MiB) | bundle (MiB) |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [label, r] of rows) {
      console.log(
        `| ${label} | ${r.seconds!.toFixed(2)} | ${r.startRssMiB!.toFixed(0)} | ${r.peakRssMiB!.toFixed(0)} | ${r.bytes ? (r.bytes / 2 ** 20).toFixed(0) : '—'} |`,
      );
    }
    console.log(JSON.stringify({ total, rows: Object.fromEntries(rows) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, dbPath, keyPath, out] = process.argv.slice(2);
if (mode) await child(mode, dbPath!, keyPath!, out!);
else await main();

// Audit append throughput: the appliance's chained append (Store.change + tx.audit: head
// lookup, RFC 8785 canonical JSON, sha256, insert) against the cheapest durable insert of the
// same row with no chain at all (raw better-sqlite3, same pragmas), measured in the same run.
// Then the same chained append with the head signer running (signed chain heads, issue #19)
// against it without, interleaved in the same run; the signer ticks every
// AUDIT_BENCH_HEAD_INTERVAL_MS (default 100 ms: 600 times the appliance's default minute).
// Usage: npm run bench:audit   (AUDIT_BENCH_EVENTS=2000, AUDIT_BENCH_BATCH=100, AUDIT_BENCH_HEAD_INTERVAL_MS=100)
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadSigner } from '../src/audit/head-signer.js';
import { readPrivateKey } from '../src/signing/binary-signatures.js';
import { generateSigningKey } from '../src/signing/openpgp-keys.js';
import { openDatabase } from '../src/store/sqlite/open-database.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const events = Number(process.env.AUDIT_BENCH_EVENTS ?? 2000);
const batch = Number(process.env.AUDIT_BENCH_BATCH ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'mpegflow-bench-audit-'));

const payload = (i: number) => ({
  taskId: `task-${i}`,
  state: 'running',
  attempt: 1,
  argv: ['-i', '/data/objects/input/master.mov', '-c:v', 'libx264'],
  progress: i / events,
});

function plainDb(name: string): { db: Database.Database; insert: Database.Statement } {
  const db = openDatabase(join(dir, name));
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, job_id TEXT, type TEXT NOT NULL, payload TEXT NOT NULL)');
  return { db, insert: db.prepare('INSERT INTO events (at, actor, job_id, type, payload) VALUES (?, ?, ?, ?, ?)') };
}

const headIntervalMs = Number(process.env.AUDIT_BENCH_HEAD_INTERVAL_MS ?? 100);
const auditKey = await readPrivateKey((await generateSigningKey({ name: 'bench audit key' })).privateArmored);
let headsSigned = 0;

async function chained(name: string, perTx: number, signing = false, yieldEach = signing): Promise<number> {
  const store = new SqliteStore({ path: join(dir, name) });
  const signer = signing
    ? new HeadSigner({ store, key: auditKey, logPath: join(dir, `${name}.heads.log`), sink: null, intervalMs: headIntervalMs, actor: 'bench' })
    : null;
  if (signer) {
    await signer.open();
    signer.start();
  }
  const t0 = performance.now();
  for (let i = 0; i < events; i += perTx) {
    await store.change(async (tx) => {
      for (let j = i; j < Math.min(events, i + perTx); j++) await tx.audit({ type: 'task.progress', actor: 'bench', jobId: 'job-1', payload: payload(j) });
    });
    // The head comparison yields to the event loop after each transaction (as the appliance
    // does between requests), in both arms: otherwise the signer's timer never gets a turn.
    if (yieldEach) await new Promise((r) => setImmediate(r));
  }
  const s = (performance.now() - t0) / 1000;
  if (signer) {
    await signer.stop();
    headsSigned += readFileSync(join(dir, `${name}.heads.log`), 'utf8')
      .split('\n')
      .filter(Boolean).length;
  }
  if (!(await store.audit.verify()).ok) throw new Error('chain does not verify');
  await store.close();
  return events / s;
}

async function plain(name: string, perTx: number): Promise<number> {
  const { db, insert } = plainDb(name);
  const t0 = performance.now();
  for (let i = 0; i < events; i += perTx) {
    db.exec('BEGIN IMMEDIATE');
    for (let j = i; j < Math.min(events, i + perTx); j++) insert.run(new Date().toISOString(), 'bench', 'job-1', 'task.progress', JSON.stringify(payload(j)));
    db.exec('COMMIT');
    await Promise.resolve();
  }
  const s = (performance.now() - t0) / 1000;
  db.close();
  return events / s;
}

const rows: [string, number, number][] = [];
for (const [label, perTx] of [
  ['1 event per transaction (fsync each)', 1],
  [`${batch} events per transaction`, batch],
] as const) {
  // Interleave to share the disk's mood: plain, chained, plain, chained; best of two each.
  const p1 = await plain(`plain-${perTx}-a.db`, perTx);
  const c1 = await chained(`chain-${perTx}-a.db`, perTx);
  const p2 = await plain(`plain-${perTx}-b.db`, perTx);
  const c2 = await chained(`chain-${perTx}-b.db`, perTx);
  rows.push([label, Math.max(p1, p2), Math.max(c1, c2)]);
}
// Head signing: the same chained append with and without the signer ticking, interleaved, best of two each.
const signedRows: [string, number, number][] = [];
for (const [label, perTx] of [
  ['1 event per transaction (fsync each)', 1],
  [`${batch} events per transaction`, batch],
] as const) {
  const c1 = await chained(`nosign-${perTx}-a.db`, perTx, false, true);
  const s1 = await chained(`sign-${perTx}-a.db`, perTx, true, true);
  const c2 = await chained(`nosign-${perTx}-b.db`, perTx, false, true);
  const s2 = await chained(`sign-${perTx}-b.db`, perTx, true, true);
  signedRows.push([label, Math.max(c1, c2), Math.max(s1, s2)]);
}
rmSync(dir, { recursive: true, force: true });

console.log(`audit append, ${events} events, SQLite WAL + synchronous=FULL`);
console.log('| mode | no chain (events/s) | chained (events/s) | chain cost (×) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, p, c] of rows) console.log(`| ${label} | ${p.toFixed(0)} | ${c.toFixed(0)} | ${(p / c).toFixed(2)} |`);
console.log('');
console.log(`signed chain heads, signer ticking every ${headIntervalMs} ms (${headsSigned} heads signed in the signing runs)`);
console.log('| mode | without head signing (events/s) | with head signing (events/s) | slowdown (×, budget ≤ 1.2) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, c, sgn] of signedRows) console.log(`| ${label} | ${c.toFixed(0)} | ${sgn.toFixed(0)} | ${(c / sgn).toFixed(2)} |`);
console.log(
  JSON.stringify({
    events,
    headIntervalMs,
    headsSigned,
    headSigning: signedRows.map(([mode, withoutPerS, withPerS]) => ({
      mode,
      withoutPerS: Math.round(withoutPerS),
      withPerS: Math.round(withPerS),
      slowdown: Number((withoutPerS / withPerS).toFixed(3)),
    })),
    results: rows.map(([mode, plainPerS, chainedPerS]) => ({
      mode,
      plainPerS: Math.round(plainPerS),
      chainedPerS: Math.round(chainedPerS),
      cost: Number((plainPerS / chainedPerS).toFixed(3)),
    })),
  }),
);

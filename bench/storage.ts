/**
 * Embedded object store throughput: put (stream → staging file, sha256 in the same pass, fsync, rename)
 * and get+hash, next to `cat FILE > /dev/null` and `sha256sum FILE` measured in the same run, and
 * the same put and get with encryption at rest on (src/storage/encrypted-store.ts).
 *
 *   node dist/bench/storage.js
 *   STORAGE_BENCH_GIB=1 STORAGE_BENCH_DIR=/srv/scratch node dist/bench/storage.js
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, openSync, closeSync } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { memoryKek } from '../src/at-rest/key-encryption-key.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import { EncryptedStore } from '../src/storage/encrypted-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const sizeGiB = Number(process.env.STORAGE_BENCH_GIB ?? 4);
const size = Math.round(sizeGiB * GIB);
const dir = process.env.STORAGE_BENCH_DIR ?? join(tmpdir(), 'mpegflow-bench-storage');
const file = join(dir, 'master.bin');

interface Row {
  what: string;
  seconds: number;
  peakRssMiB?: number;
  note?: string;
}

function mbps(seconds: number): number {
  return size / 1e6 / seconds;
}

/** Samples RSS while `work` runs; returns its result, the time and the peak RSS. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = process.hrtime.bigint();
  try {
    const result = await work();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds, peakRssMiB: peak / MIB };
  } finally {
    clearInterval(timer);
  }
}

function run(cmd: string, args: string[], stdoutToDevNull: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const devNull = stdoutToDevNull ? openSync('/dev/null', 'w') : undefined;
    const child = spawn(cmd, args, { stdio: ['ignore', devNull ?? 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (devNull !== undefined) closeSync(devNull);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited with ${code}`));
    });
  });
}

function pseudoRandom(bytes: number): Readable {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(4 * MIB);
  let left = bytes;
  return Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(left, zeros.length);
        left -= n;
        yield cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      }
    })(),
  );
}

async function main(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rows: Row[] = [];
  let hashOnly: number | undefined;
  console.log(`storage bench: ${sizeGiB} GiB in ${dir} (${cpus().length} cores, ${Math.round(totalmem() / GIB)} GiB RAM, node ${process.version})`);

  const w = await measured(() => pipeline(pseudoRandom(size), createWriteStream(file, { highWaterMark: 4 * MIB })));
  console.log(`  wrote the test file in ${w.seconds.toFixed(1)} s`);
  // Every measurement starts with no dirty pages pending: background writeback of an earlier step
  // would otherwise be charged to the next one.
  const settle = (): Promise<string> => run('sync', [], false);
  await settle();

  // Warm-up read so every reader below starts from the same (page-cached) state.
  await run('cat', [file], true);

  await settle();
  const cat = await measured(() => run('cat', [file], true));
  rows.push({ what: 'cat FILE > /dev/null', seconds: cat.seconds });

  const sum = await measured(() => run('sha256sum', [file], false));
  const reference = sum.result.split(/\s+/)[0] ?? '';
  rows.push({ what: 'sha256sum FILE', seconds: sum.seconds });

  // The disk's own ceiling for a durable copy of the same (incompressible) bytes.
  const ddOut = join(dir, 'dd-copy.bin');
  await settle();
  const dd = await measured(() => run('dd', [`if=${file}`, `of=${ddOut}`, 'bs=4M', 'conv=fsync', 'status=none'], false));
  rows.push({ what: 'dd if=FILE of=COPY bs=4M conv=fsync (disk ceiling)', seconds: dd.seconds });
  await rm(ddOut, { force: true });

  const store = new EmbeddedStore({ root: join(dir, 'objects') });
  await store.open();

  await settle();
  const put = await measured(() => store.put('input', 'bench/master.bin', createReadStream(file, { highWaterMark: 4 * MIB })));
  if (put.result.sha256 !== reference) throw new Error(`sha256 mismatch: store ${put.result.sha256}, sha256sum ${reference}`);
  rows.push({ what: 'store.put (4 MiB reads; hash+write+fsync+rename)', seconds: put.seconds, peakRssMiB: put.peakRssMiB, note: 'sha256 = sha256sum' });

  const get = await measured(async () => {
    const hash = createHash('sha256');
    for await (const chunk of await store.get('input', 'bench/master.bin')) hash.update(chunk as Buffer);
    return hash.digest('hex');
  });
  if (get.result !== reference) throw new Error('get+hash mismatch');
  rows.push({ what: 'store.get + sha256 (4 MiB reads)', seconds: get.seconds, peakRssMiB: get.peakRssMiB });
  await store.delete('input', 'bench/master.bin', { allVersions: true });

  // Encryption at rest on the same store (AES-256-GCM chunks under a data key wrapped by a KEK,
  // the key ring in a real SQLite file): the same put and get, the ratio against the clear ones.
  const ringDir = join(dir, 'keyring');
  await mkdir(ringDir, { recursive: true });
  const ring = new SqliteStore({ path: join(ringDir, 'mpegflow.db') });
  const kek = memoryKek(randomBytes(32));
  const sealed = new EncryptedStore(store, { current: kek, all: [kek] }, ring.dataKeys);
  await settle();
  const encPut = await measured(() => sealed.put('input', 'bench/sealed.bin', createReadStream(file, { highWaterMark: 4 * MIB })));
  if (encPut.result.sha256 !== reference) throw new Error('encrypted put sha256 mismatch');
  rows.push({ what: 'encrypted store.put (seal + hash + write + fsync)', seconds: encPut.seconds, peakRssMiB: encPut.peakRssMiB });
  const encGet = await measured(async () => {
    const hash = createHash('sha256');
    for await (const chunk of await sealed.get('input', 'bench/sealed.bin')) hash.update(chunk as Buffer);
    return hash.digest('hex');
  });
  if (encGet.result !== reference) throw new Error('encrypted get+hash mismatch');
  rows.push({ what: 'encrypted store.get + sha256 (each chunk checked)', seconds: encGet.seconds, peakRssMiB: encGet.peakRssMiB });
  await sealed.delete('input', 'bench/sealed.bin', { allVersions: true });
  await ring.close();
  const encryption = { put: put.seconds / encPut.seconds, get: get.seconds / encGet.seconds };

  await settle();
  const small = await measured(() => store.put('input', 'bench/master-64k.bin', createReadStream(file)));
  rows.push({ what: 'store.put, node default 64 KiB reads', seconds: small.seconds, peakRssMiB: small.peakRssMiB });
  await store.delete('input', 'bench/master-64k.bin', { allVersions: true });

  // The same put on a tmpfs root: fsync costs nothing there, so this is the CPU cost of the store
  // (read + sha256 + copy into the page cache), i.e. the hashing throughput without the disk.
  const shm = process.env.STORAGE_BENCH_TMPFS_DIR ?? '/dev/shm';
  const shmFree = await statfs(shm)
    .then((st) => st.bavail * st.bsize)
    .catch(() => 0);
  if (shmFree > size * 1.5) {
    const shmRoot = join(shm, `mpegflow-bench-storage-${process.pid}`);
    try {
      const ram = new EmbeddedStore({ root: shmRoot });
      await ram.open();
      await settle();
      const p = await measured(() => ram.put('input', 'bench/master.bin', createReadStream(file, { highWaterMark: 4 * MIB })));
      if (p.result.sha256 !== reference) throw new Error('tmpfs put sha256 mismatch');
      rows.push({ what: `store.put on tmpfs (${shm}): hash + copy, no disk`, seconds: p.seconds, peakRssMiB: p.peakRssMiB });
      hashOnly = p.seconds;
    } finally {
      await rm(shmRoot, { recursive: true, force: true });
    }
  } else {
    console.log(`  (skipping the tmpfs put: ${shm} has ${(shmFree / GIB).toFixed(1)} GiB free)`);
  }

  const catMBs = mbps(cat.seconds);
  const sumMBs = mbps(sum.seconds);
  console.log('');
  console.log('| operation | time (s) | MB/s | vs cat | vs sha256sum | peak RSS (MiB) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const m = mbps(r.seconds);
    console.log(
      `| ${r.what} | ${r.seconds.toFixed(2)} | ${m.toFixed(0)} | ${(m / catMBs).toFixed(2)} | ${(m / sumMBs).toFixed(2)} | ${r.peakRssMiB === undefined ? '—' : r.peakRssMiB.toFixed(0)} |`,
    );
  }
  console.log('');
  console.log(`durable put (disk, fsync): ${(mbps(put.seconds) / 1000).toFixed(2)} GB/s`);
  console.log(`encryption at rest: put ${encryption.put.toFixed(2)}× and get ${encryption.get.toFixed(2)}× the throughput of the clear store (target ≥ 0.9×)`);
  if (hashOnly !== undefined) console.log(`put hashing throughput without the disk (tmpfs): ${(mbps(hashOnly) / 1000).toFixed(2)} GB/s (target ≥ 1 GB/s)`);
  console.log(`process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

  if (process.env.STORAGE_BENCH_KEEP !== '1') await rm(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

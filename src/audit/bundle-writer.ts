import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create as createTar } from 'tar';
import { packageVersion } from '../config/package-root.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../images/image-manifest.js';
import { fingerprintOf, publicArmoredOf, signDetached } from '../signing/openpgp-keys.js';
import { HashingStream } from '../storage/hashing-stream.js';
import { canonicalJson, GENESIS_HASH } from '../store/audit-chain.js';
import { builtinTemplates } from '../media/builtin-templates.js';
import type { AuditExportRecord, Store } from '../store/store.js';
import { BUNDLE_FILES, BUNDLE_FORMAT, isBundlePath, type BundleManifest, type ChainPoint } from './bundle-format.js';
import { verifyMarkdown } from './verify-markdown.js';
import { headsInRange } from './bundle-heads.js';
import { readHeadLogText } from './head-log-file.js';

export interface BundleScope {
  jobId?: string;
  /** ISO-8601 UTC with milliseconds (normalised by the caller). */
  from?: string;
  to?: string;
}

export interface BundleSource {
  store: Store;
  signingKeyArmored: string;
  /** Where the bundle is staged before it is packed (removed afterwards). */
  scratchDir: string;
  /** `<data>/audit-heads.log`: the heads on the bundle's events go in as heads.log. */
  headLogPath?: string;
}

export interface WrittenBundle {
  manifest: BundleManifest;
  sha256: string;
  size: number;
}

const chainBroken = (seq: number, why: string) =>
  new ApplianceError('AUDIT_CHAIN_BROKEN', `the audit chain is broken at seq ${seq} (${why}); refusing to export it — run mpegflow audit verify`);

/** Which events go in: the scope's seq bounds up to the head, or none (an empty bundle anchored at the head). */
async function eventRange(store: Store, scope: BundleScope, head: ChainPoint): Promise<{ anchor: ChainPoint; lastSeq: number }> {
  const bounds = await store.audit.seqBounds(scope);
  if (!bounds || bounds.first > head.seq) return { anchor: head, lastSeq: head.seq };
  const anchorSeq = bounds.first - 1;
  const anchorHash = anchorSeq === 0 ? GENESIS_HASH : await store.audit.hashOf(anchorSeq);
  if (anchorHash === undefined) throw chainBroken(anchorSeq, 'event missing');
  return { anchor: { seq: anchorSeq, hash: anchorHash }, lastSeq: Math.min(bounds.last, head.seq) };
}

/**
 * Streams events.jsonl (each line exactly the canonical bytes that were hashed) and checks
 * the stored chain on the way: an export never launders a broken chain.
 */
async function writeEvents(store: Store, path: string, anchor: ChainPoint, lastSeq: number): Promise<{ sha256: string; last: ChainPoint; events: number }> {
  const out = createWriteStream(path, { flags: 'wx' });
  const hash = createHash('sha256');
  let prev = anchor;
  let events = 0;
  let buffer = '';
  const flush = async () => {
    const chunk = Buffer.from(buffer, 'utf8');
    buffer = '';
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    if (lastSeq > anchor.seq) {
      for await (const batch of store.audit.iterateLines({ fromSeq: anchor.seq + 1, toSeq: lastSeq })) {
        for (const e of batch) {
          if (e.seq !== prev.seq + 1) throw chainBroken(prev.seq + 1, 'event missing');
          if (e.prevHash !== prev.hash) throw chainBroken(e.seq, 'prev_hash does not match');
          const recomputed = createHash('sha256').update(prev.hash, 'utf8').update(e.line, 'utf8').digest('hex');
          if (recomputed !== e.hash) throw chainBroken(e.seq, 'hash does not match the event');
          prev = { seq: e.seq, hash: e.hash };
          events++;
          buffer += `${e.line}\n`;
        }
        if (buffer.length >= 1 << 20) await flush();
      }
    }
    if (prev.seq !== lastSeq) throw chainBroken(prev.seq + 1, 'event missing');
    await flush();
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
  return { sha256: hash.digest('hex'), last: prev, events };
}

/** Job records, their ffprobe outputs (from `job.probed` events) and quality figures (`job.quality`); the images and ladder template versions they pinned. */
async function writeJobs(
  store: Store,
  put: (name: string, data: string) => Promise<void>,
  jobIds: string[],
): Promise<{ images: Set<string>; ladders: Map<string, { name: string; version: number }> }> {
  const images = new Set<string>();
  const ladders = new Map<string, { name: string; version: number }>();
  for (const id of jobIds) {
    if (!isBundlePath(id)) continue;
    const job = await store.jobs.get(id);
    if (!job) continue;
    images.add(job.encoderImage);
    ladders.set(`${job.ladder}.v${job.ladderVersion}`, { name: job.ladder, version: job.ladderVersion });
    const tasks = await store.tasks.listByJob(id);
    await put(`jobs/${id}.json`, `${JSON.stringify({ job, tasks }, null, 2)}\n`);
    for (const probe of await store.audit.list({ jobId: id, type: 'job.probed', limit: 10000 })) {
      const ffprobe = (probe.payload as { ffprobe?: unknown }).ffprobe;
      if (ffprobe !== undefined) await put(`jobs/${id}.ffprobe.${probe.seq}.json`, `${JSON.stringify(ffprobe, null, 2)}\n`);
    }
    // The quality gate's figures (PSNR, SSIM, XPSNR per rendition), as the `job.quality` event of that seq holds them.
    for (const q of await store.audit.list({ jobId: id, type: 'job.quality', limit: 10000 })) {
      const { gate, renditions, leftOut } = q.payload as { gate?: unknown; renditions?: unknown; leftOut?: unknown };
      await put(`jobs/${id}.quality.${q.seq}.json`, `${JSON.stringify({ gate, renditions, leftOut }, null, 2)}\n`);
    }
  }
  return { images, ladders };
}

/**
 * The ladder template versions the jobs pinned, as `ladders/<name>.v<version>.json`: the
 * template's canonical JSON, whose sha256 is the `ladderSha256` of the job's `job.submitted`.
 */
async function writeLadders(
  store: Store,
  put: (name: string, data: string) => Promise<void>,
  pins: Map<string, { name: string; version: number }>,
): Promise<void> {
  for (const [file, { name, version }] of [...pins].sort(([a], [b]) => a.localeCompare(b))) {
    if (!isBundlePath(name)) continue;
    const builtin = Object.hasOwn(builtinTemplates, name) ? builtinTemplates[name] : undefined;
    const template = builtin && version === 1 ? builtin : (await store.ladders.get(name, version))?.template;
    if (template !== undefined) await put(`ladders/${file}.json`, canonicalJson(template));
  }
}

async function writeImages(store: Store, put: (name: string, data: string) => Promise<void>, ids: Iterable<string>): Promise<void> {
  for (const id of [...ids].sort()) {
    const image = await store.images.get(id);
    if (!image || !isBundlePath(id)) continue;
    // The folder's manifest.json is the file its signature covers (the catalog keeps the same text).
    await put(`images/${id}.manifest.json`, (await readFile(join(image.path, MANIFEST_FILE), 'utf8').catch(() => null)) ?? image.manifest);
    const signature = await readFile(join(image.path, SIGNATURE_FILE), 'utf8').catch(() => null);
    if (signature !== null) await put(`images/${id}.${SIGNATURE_FILE}`, signature);
  }
}

/**
 * Stages every file of a bundle, signs its manifest and packs the tar into `outPath`
 * (created, never overwritten), hashing the tar as it is written.
 */
export async function writeBundle(
  source: BundleSource,
  scope: BundleScope,
  ids: { exportId: string; createdAt: string; previous: AuditExportRecord | null },
  outPath: string,
): Promise<WrittenBundle> {
  const { store } = source;
  const head = (await store.audit.head()) ?? { seq: 0, hash: GENESIS_HASH };
  if (scope.jobId !== undefined && !(await store.jobs.get(scope.jobId)) && !(await store.audit.seqBounds({ jobId: scope.jobId }))) {
    throw new ApplianceError('JOB_NOT_FOUND', `no job ${scope.jobId}`);
  }
  const { anchor, lastSeq } = await eventRange(store, scope, head);
  await mkdir(source.scratchDir, { recursive: true });
  const stage = await mkdtemp(join(source.scratchDir, 'audit-export-'));
  try {
    const files: Record<string, string> = {};
    const put = async (name: string, data: string) => {
      const path = join(stage, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data, { flag: 'wx' });
      files[name] = createHash('sha256').update(data, 'utf8').digest('hex');
    };
    const written = await writeEvents(store, join(stage, BUNDLE_FILES.events), anchor, lastSeq);
    files[BUNDLE_FILES.events] = written.sha256;
    await put(BUNDLE_FILES.anchor, `${JSON.stringify(anchor)}\n`);
    const heads = source.headLogPath ? headsInRange(await readHeadLogText(source.headLogPath), anchor, written.last) : null;
    if (heads) await put(BUNDLE_FILES.heads, heads.text);
    const jobIds =
      scope.jobId !== undefined ? [scope.jobId] : written.events ? await store.audit.jobIdsIn({ fromSeq: anchor.seq + 1, toSeq: written.last.seq }) : [];
    const { images: pinned, ladders } = await writeJobs(store, put, jobIds);
    await writeLadders(store, put, ladders);
    const imageIds = scope.jobId !== undefined ? pinned : new Set([...pinned, ...(await store.images.list({ includeRemoved: true })).map((i) => i.id)]);
    await writeImages(store, put, imageIds);
    const publicKey = await publicArmoredOf(source.signingKeyArmored);
    const fingerprint = await fingerprintOf(publicKey);
    await put(BUNDLE_FILES.key, publicKey);
    await put(BUNDLE_FILES.verify, verifyMarkdown({ fingerprint, jobId: scope.jobId ?? null, heads: heads?.count ?? null }));
    const listed = Object.keys(files).sort();
    await put(BUNDLE_FILES.sums, listed.map((name) => `${files[name]}  ${name}\n`).join(''));
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      exportId: ids.exportId,
      createdAt: ids.createdAt,
      applianceVersion: packageVersion,
      auditKeyFingerprint: fingerprint,
      scope: { jobId: scope.jobId ?? null, from: scope.from ?? null, to: scope.to ?? null },
      chain: { anchor, last: written.last, events: written.events },
      checkpoint: {
        head,
        previous: ids.previous
          ? { exportId: ids.previous.id, createdAt: ids.previous.createdAt, head: { seq: ids.previous.headSeq, hash: ids.previous.headHash } }
          : null,
      },
      ...(heads ? { heads: { file: BUNDLE_FILES.heads, count: heads.count } } : {}),
      files: Object.fromEntries(
        Object.keys(files)
          .sort()
          .map((name) => [name, files[name]!]),
      ),
    };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeFile(join(stage, BUNDLE_FILES.manifest), manifestText, { flag: 'wx' });
    await writeFile(join(stage, BUNDLE_FILES.signature), await signDetached(source.signingKeyArmored, Buffer.from(manifestText, 'utf8')), { flag: 'wx' });
    const order = [
      BUNDLE_FILES.verify,
      BUNDLE_FILES.manifest,
      BUNDLE_FILES.signature,
      BUNDLE_FILES.key,
      BUNDLE_FILES.sums,
      BUNDLE_FILES.anchor,
      ...(heads ? [BUNDLE_FILES.heads] : []),
      ...listed.filter((n) => !Object.values<string>(BUNDLE_FILES).includes(n)),
      BUNDLE_FILES.events,
    ];
    const tap = new HashingStream();
    const tarStream = createTar({ cwd: stage, portable: true, mtime: new Date(ids.createdAt), maxReadSize: 1 << 20 }, order);
    await pipeline(tarStream as unknown as NodeJS.ReadableStream, tap, createWriteStream(outPath, { flags: 'wx', mode: 0o640 }));
    return { manifest, sha256: tap.digest.sha256, size: tap.digest.size };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

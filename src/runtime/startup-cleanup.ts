import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { AuditEvent, Store } from '../store/store.js';
import { ACTOR_RUNTIME } from './runtime-context.js';

export interface StartupCleanupDeps {
  store: Store;
  objects: ObjectStore;
  logger: Logger;
  /** `<data>/scratch`: job folders `job_…` of stage inputs and outputs. */
  scratchDir: string;
  /** Removes the object store's staging files written before `before` (epoch ms); returns their names. */
  sweepStaging: (before: number) => Promise<string[]>;
  /** When this start began: nothing of this process was written before it. */
  startedAt: number;
  /** This node (docs/cluster.md): only its own uploads are its to close; other nodes' may be in flight. */
  nodeId?: string;
}

/** What start-up cleaned, for the start-up log (and the `runtime.startup_cleanup` audit event). */
export interface StartupCleanupReport {
  /** `input.upload_started` without an end: closed with `input.upload_failed` (cause interrupted). */
  uploadsClosed: number;
  /** Jobs (completed, partial, cancelled) whose intermediate objects were deleted. */
  intermediateJobs: number;
  intermediateObjects: number;
  /** Upload staging objects (`uploads/…` in the intermediate bucket) and object-store staging files (`.tmp/`). */
  stagingRemoved: number;
  /** Scratch folders of jobs with no running task. */
  scratchFolders: number;
}

const CLEANUP_EVENT = 'runtime.startup_cleanup';
const UPLOAD_ENDS = ['input.uploaded', 'input.upload_failed', 'input.upload_unchanged'];
// Failed jobs keep their intermediates: a retry packages the renditions that succeeded (the lifecycle sweep removes them after 7 days).
const CLEANABLE_JOB_STATES = ['completed', 'partial', 'cancelled'];

async function eventsOfType(store: Store, type: string, afterSeq: number, toSeq: number): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for (let after = afterSeq; ;) {
    const page = (await store.audit.list({ type, afterSeq: after, limit: 10_000 })).filter((e) => e.seq <= toSeq);
    out.push(...page);
    if (page.length < 10_000) return out;
    after = page[page.length - 1]!.seq;
  }
}

/**
 * Uploads a crash cut: an `input.upload_started` after the last start-up cleanup with no
 * `input.uploaded` / `input.upload_failed` / `input.upload_unchanged` (matched by uploadId; for
 * events of older builds without one, by key).
 */
async function openUploads(store: Store, afterSeq: number, toSeq: number): Promise<{ open: AuditEvent[]; scanned: number }> {
  const starts = await eventsOfType(store, 'input.upload_started', afterSeq, toSeq);
  if (starts.length === 0) return { open: [], scanned: 0 };
  const ends: AuditEvent[] = [];
  for (const type of UPLOAD_ENDS) ends.push(...(await eventsOfType(store, type, afterSeq, toSeq)));
  const endedIds = new Set<string>();
  const legacyEnds = new Map<string, number>();
  for (const e of ends) {
    const p = e.payload as { key?: string; uploadId?: string };
    if (p.uploadId) endedIds.add(p.uploadId);
    else if (p.key) legacyEnds.set(p.key, (legacyEnds.get(p.key) ?? 0) + 1);
  }
  const open = starts.filter((s) => {
    const p = s.payload as { key?: string; uploadId?: string; inUse?: boolean };
    if (p.uploadId) return !endedIds.has(p.uploadId);
    if (p.inUse) return false; // older builds never closed an upload over an input in use: it cannot be told apart
    const left = legacyEnds.get(p.key ?? '') ?? 0;
    if (left > 0) legacyEnds.set(p.key ?? '', left - 1);
    return left === 0;
  });
  return { open, scanned: starts.length };
}

/**
 * Closes what a crash left open, once per start, after recovery and before the appliance serves
 * or leases (so nothing of this process is in flight): open uploads get `input.upload_failed`
 * (cause interrupted) and their staging is removed; intermediates of finished jobs are deleted
 * (audited `job.intermediates_deleted` before the deletion); staging files and scratch folders of
 * jobs not running are removed. One `runtime.startup_cleanup` event (when there was anything to
 * clean or scan) records the counts and the audit seq scanned through, so the next start scans
 * only what came after.
 */
export async function startupCleanup(deps: StartupCleanupDeps): Promise<StartupCleanupReport> {
  const { store, objects } = deps;
  const head = (await store.audit.head())?.seq ?? 0;
  // This node's last cleanup (one without a node: a single-host appliance of an earlier build).
  const nodeOf = (e: AuditEvent) => (e.payload as { node?: string }).node;
  const mine = (e: AuditEvent) => nodeOf(e) === undefined || nodeOf(e) === deps.nodeId;
  const last = deps.nodeId === undefined ? await store.audit.latest(CLEANUP_EVENT) : (await eventsOfType(store, CLEANUP_EVENT, 0, head)).filter(mine).at(-1);
  const fromSeq = (last?.payload as { scannedThroughSeq?: number } | undefined)?.scannedThroughSeq ?? 0;

  // 1. Uploads cut by a crash: this node's (another node's upload may be in flight now).
  const uploads = await openUploads(store, fromSeq, head);
  const open = uploads.open.filter(mine);
  const scanned = uploads.scanned;
  const stagingKeys: string[] = [];
  for await (const o of objects.list('intermediate', 'uploads/')) stagingKeys.push(o.key);
  for (const s of open) {
    const p = s.payload as { key: string; uploadId?: string; staging?: string };
    await store.change(async (tx) => {
      await tx.audit({
        type: 'input.upload_failed',
        actor: ACTOR_RUNTIME,
        payload: {
          key: p.key,
          ...(p.uploadId ? { uploadId: p.uploadId } : {}),
          code: 'UPLOAD_INTERRUPTED',
          cause: 'interrupted',
          startedSeq: s.seq,
          message: 'the appliance stopped (crash or kill) during this upload; nothing was stored under the key, the partial bytes are removed',
        },
      });
    });
  }
  // No upload runs while start-up cleans: every upload staging object is a leftover.
  for (const key of stagingKeys) await objects.delete('intermediate', key, { allVersions: true });

  // 2. Intermediates of finished jobs (cleanupJob's work, when a crash came between the job's end and it).
  const byJob = new Map<string, string[]>();
  for await (const o of objects.list('intermediate')) {
    const jobId = o.key.split('/')[0]!;
    if (!jobId.startsWith('job_')) continue;
    byJob.set(jobId, [...(byJob.get(jobId) ?? []), o.key]);
  }
  let intermediateJobs = 0;
  let intermediateObjects = 0;
  for (const [jobId, keys] of byJob) {
    const job = await store.jobs.get(jobId);
    if (!job || !CLEANABLE_JOB_STATES.includes(job.state)) continue;
    await store.change(async (tx) => {
      await tx.audit({
        type: 'job.intermediates_deleted',
        actor: ACTOR_RUNTIME,
        jobId,
        payload: { objects: keys.length, cause: 'startup', state: job.state, keys: keys.slice(0, 50) },
      });
    });
    for (const key of keys) await objects.delete('intermediate', key);
    intermediateJobs++;
    intermediateObjects += keys.length;
  }

  // 3. Object-store staging files older than this start.
  const stagingFiles = await deps.sweepStaging(deps.startedAt);

  // 4. Scratch folders of jobs with no running task (at start-up: every job's, recovery re-queued them).
  const scratch: string[] = [];
  for (const name of await readdir(deps.scratchDir).catch(() => [] as string[])) {
    if (!name.startsWith('job_')) continue;
    const tasks = await store.tasks.listByJob(name);
    if (tasks.some((t) => t.state === 'running')) continue;
    await rm(join(deps.scratchDir, name), { recursive: true, force: true });
    scratch.push(name);
  }

  const report: StartupCleanupReport = {
    uploadsClosed: open.length,
    intermediateJobs,
    intermediateObjects,
    stagingRemoved: stagingKeys.length + stagingFiles.length,
    scratchFolders: scratch.length,
  };
  // Recorded when there was something to clean, or uploads to scan past (the next start scans after `scannedThroughSeq`).
  const worthRecording = Object.values(report).some((n) => n > 0) || scanned > 0;
  if (worthRecording)
    await store.change(async (tx) => {
      await tx.audit({
        type: CLEANUP_EVENT,
        actor: ACTOR_RUNTIME,
        payload: {
          ...report,
          uploadStagingObjects: stagingKeys.slice(0, 100),
          stagingFiles: stagingFiles.slice(0, 100),
          scratchJobs: scratch.slice(0, 100),
          scannedThroughSeq: head,
          ...(deps.nodeId !== undefined ? { node: deps.nodeId } : {}),
        },
      });
    });
  deps.logger.info({ ...report }, 'start-up cleanup');
  return report;
}

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { IngestPatch } from '../store/ingests.js';
import type { Store } from '../store/store.js';
import type { OpenWriters } from './open-writers.js';

export type WatchFolderConfig = Config['watchFolders'][number];

/** What a watch folder works with (passed in; nothing global). */
export interface IngestDeps {
  store: Store;
  objects: ObjectStore;
  runtime: JobRuntime;
  logger: Logger;
  openWriters: OpenWriters;
  now?: () => Date;
  /** Told when a folder becomes available (`problem` undefined) or unavailable (boot reports it in /healthz). */
  onFolderStatus?: (folder: string, problem: string | undefined) => void;
}

/** One configured folder and its working subfolders (all inside the root). */
export interface FolderContext extends IngestDeps {
  folder: WatchFolderConfig;
  root: string;
  processing: string;
  done: string;
  failed: string;
  /** Audit actor: `watch:<root>`. */
  actor: string;
  /** Set when the service stops: an ingest in flight is left in `.processing/` and resumed at the next start. */
  signal: AbortSignal;
}

export function folderContext(deps: IngestDeps, folder: WatchFolderConfig, signal: AbortSignal): FolderContext {
  const root = folder.path.replace(/\/+$/, '') || '/';
  return {
    ...deps,
    folder,
    root,
    processing: join(root, '.processing'),
    done: join(root, 'done'),
    failed: join(root, 'failed'),
    actor: `watch:${root}`,
    signal,
  };
}

/** Sortable ingest ids, safe as an object-key segment. */
export function newIngestId(): string {
  return `ing_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/** Same device, inode, size and mtime: the same file, unchanged. */
export function fingerprint(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** One state change of an ingest and its audit event, in one transaction. */
export async function recordIngest(ctx: FolderContext, id: string, patch: IngestPatch, type: string, payload: Record<string, unknown>): Promise<void> {
  await recordIngests(ctx, [{ id, patch, type, payload }]);
}

export interface IngestChange {
  id: string;
  patch: IngestPatch;
  type: string;
  payload: Record<string, unknown>;
}

/** State changes of several ingests (a master and its sidecars) and their audit events, in one transaction. */
export async function recordIngests(ctx: FolderContext, changes: readonly IngestChange[]): Promise<void> {
  if (changes.length === 0) return;
  await ctx.store.change(async (tx) => {
    for (const { id, patch, type, payload } of changes) {
      await tx.ingests.update(id, patch);
      await tx.audit({ type, actor: ctx.actor, jobId: patch.jobId ?? null, payload: { ingestId: id, folder: ctx.root, ...payload } });
    }
  });
}

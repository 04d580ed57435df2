import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import type { Store } from '../store/store.js';
import { writeBundle, type BundleScope, type WrittenBundle } from './bundle-writer.js';

export interface ExportRequest {
  jobId?: string;
  /** ISO-8601 times (any offset); normalised to UTC milliseconds. */
  from?: string;
  to?: string;
}

export interface ExportResult extends WrittenBundle {
  path: string;
}

export interface AuditExporterOptions {
  store: Store;
  /** The appliance audit key (armored private key file, `<data>/secrets/audit-key.asc`). */
  keyPath: string;
  scratchDir: string;
  /** `<data>/audit-heads.log`: bundles carry the signed heads on their events. */
  headLogPath?: string;
  now?: () => Date;
}

const rangeInvalid = (message: string) => new ApplianceError('EXPORT_RANGE_INVALID', message);

function isoOf(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw rangeInvalid(`${name}: not an ISO-8601 date-time (${JSON.stringify(value)})`);
  return new Date(ms).toISOString();
}

/** Normalises and checks a request: ISO times in UTC, `from` not after `to`. */
export function exportScope(request: ExportRequest): BundleScope {
  const from = isoOf('from', request.from);
  const to = isoOf('to', request.to);
  if (from !== undefined && to !== undefined && from > to) throw rangeInvalid(`from (${from}) is after to (${to})`);
  return { ...(request.jobId !== undefined ? { jobId: request.jobId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

const MOVED_CHECKPOINT_ATTEMPTS = 3;

export function newExportId(now: Date): string {
  return `exp_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * Makes signed audit bundles, one at a time: each records a checkpoint (the chain head it
 * certifies and the previous export's head) and the `audit.exported` event in one
 * transaction; a failed export is audited as `audit.export_failed` and leaves no file.
 */
export class AuditExporter {
  readonly #options: AuditExporterOptions;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: AuditExporterOptions) {
    this.#options = options;
  }

  /** Writes the bundle to `outPath`, which must not exist (it is never overwritten). */
  export(outPath: string, request: ExportRequest, actor: string): Promise<ExportResult> {
    const run = this.#tail.then(
      () => this.#exportRetryingMovedCheckpoint(outPath, request, actor),
      () => this.#exportRetryingMovedCheckpoint(outPath, request, actor),
    );
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * One process makes one export at a time; another process (the CLI beside the server) may
   * record a checkpoint while this bundle is written. The store then refuses the stale
   * `previous` (EXPORT_CHECKPOINT_MOVED, audited as a failed export) and the bundle is
   * written again on the new one.
   */
  async #exportRetryingMovedCheckpoint(outPath: string, request: ExportRequest, actor: string): Promise<ExportResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#export(outPath, request, actor);
      } catch (err) {
        if (!(err instanceof ApplianceError && err.code === 'EXPORT_CHECKPOINT_MOVED') || attempt >= MOVED_CHECKPOINT_ATTEMPTS) throw err;
      }
    }
  }

  async #export(outPath: string, request: ExportRequest, actor: string): Promise<ExportResult> {
    const { store } = this.#options;
    const now = this.#options.now ?? (() => new Date());
    const createdAt = now();
    const exportId = newExportId(createdAt);
    const partial = `${outPath}.partial-${randomBytes(4).toString('hex')}`;
    try {
      const scope = exportScope(request);
      if (await stat(outPath).catch(() => null)) throw new ApplianceError('EXPORT_OUT_EXISTS', `${outPath} already exists; an export never overwrites a file`);
      const signingKeyArmored = await readFile(this.#options.keyPath, 'utf8').catch((err: unknown) => {
        throw new ApplianceError('AUDIT_KEY_UNAVAILABLE', `the audit key ${this.#options.keyPath} cannot be read (${messageOf(err)}); run mpegflow init`);
      });
      const previous = await store.auditExports.latest();
      const bundle = await writeBundle(
        { store, signingKeyArmored, scratchDir: this.#options.scratchDir, ...(this.#options.headLogPath ? { headLogPath: this.#options.headLogPath } : {}) },
        scope,
        { exportId, createdAt: createdAt.toISOString(), previous },
        partial,
      );
      const { manifest } = bundle;
      await store.change(async (tx) => {
        await tx.auditExports.insert({
          id: exportId,
          createdAt: manifest.createdAt,
          actor,
          jobId: manifest.scope.jobId,
          rangeFrom: manifest.scope.from,
          rangeTo: manifest.scope.to,
          anchorSeq: manifest.chain.anchor.seq,
          lastSeq: manifest.chain.last.seq,
          headSeq: manifest.checkpoint.head.seq,
          headHash: manifest.checkpoint.head.hash,
          previousId: previous?.id ?? null,
          previousHeadSeq: previous?.headSeq ?? null,
          previousHeadHash: previous?.headHash ?? null,
          bundleSha256: bundle.sha256,
          bundleSize: bundle.size,
        });
        await tx.audit({
          type: 'audit.exported',
          actor,
          // Not attached to the job (the scope names it): a later job export must not stretch to it.
          jobId: null,
          payload: {
            exportId,
            scope: manifest.scope,
            anchor: manifest.chain.anchor,
            last: manifest.chain.last,
            events: manifest.chain.events,
            head: manifest.checkpoint.head,
            previous: manifest.checkpoint.previous,
            bundleSha256: bundle.sha256,
            bundleSize: bundle.size,
          },
        });
      });
      // link() refuses an existing target: the bundle appears whole, and never over another file.
      await link(partial, outPath).catch((err: unknown) => {
        throw new ApplianceError('EXPORT_OUT_EXISTS', `${outPath} cannot be created (${messageOf(err)})`);
      });
      return { ...bundle, path: outPath };
    } catch (err) {
      const code = err instanceof ApplianceError ? err.code : 'INTERNAL';
      await store
        .change(async (tx) => {
          await tx.audit({
            type: 'audit.export_failed',
            actor,
            jobId: null,
            payload: { exportId, request: { jobId: request.jobId ?? null, from: request.from ?? null, to: request.to ?? null }, code, message: messageOf(err) },
          });
        })
        .catch(() => undefined);
      throw err;
    } finally {
      await unlink(partial).catch(() => undefined);
    }
  }
}

/**
 * Removes what an interrupted export left in the scratch dir (staging folders, download
 * copies) older than `olderThanMs`; returns the names removed. Run at start-up.
 */
export async function sweepExportScratch(scratchDir: string, olderThanMs = 3600_000, now = Date.now()): Promise<string[]> {
  const names = await readdir(scratchDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => /^audit-(export-[A-Za-z0-9]{6}|download-[0-9a-f]{16}\.tar)$/.test(n))) {
    const info = await stat(join(scratchDir, name)).catch(() => null);
    if (!info || now - info.mtimeMs < olderThanMs) continue;
    await rm(join(scratchDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes a bundle file made for a download once it has been sent. */
export async function removeBundle(path: string): Promise<void> {
  await rm(path, { force: true });
}

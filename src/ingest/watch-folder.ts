import { watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { byName, identityOf, type Candidate } from './candidates.js';
import { claimFile } from './claim.js';
import { detect, gone, refuse } from './detection.js';
import { processClaimed } from './file-ingest.js';
import { lstatOrNone } from './file-moves.js';
import { auditFolder, folderProblem } from './folder-check.js';
import { fingerprint, folderContext, type FolderContext, type IngestDeps, type WatchFolderConfig } from './folder-context.js';
import { ingestNameProblem, isIgnoredName, shownName } from './ingest-name.js';
import { resume } from './resume.js';
import { claimedSidecars, failOrphan, isCaptionName, isSidecarOf, mastersOf, mayBecomeMasterOf, ORPHAN_GRACE_FACTOR } from './sidecars.js';

/**
 * What one pass over the folder found: names it considered, stable files left alone because a
 * process writes them, stable masters left waiting for a sidecar still being written, files it
 * took (a master and its sidecars), sidecars without a master it moved to failed/.
 */
export interface PassReport {
  seen: string[];
  heldOpen: string[];
  waiting: string[];
  taken: string[];
  orphaned: string[];
}

const emptyReport = (): PassReport => ({ seen: [], heldOpen: [], waiting: [], taken: [], orphaned: [] });

/**
 * One watch folder: fs.watch events and a periodic rescan find files; a file is taken once
 * its size and mtime have held still for `stableSeconds` and no process has it open for
 * writing, together with its caption sidecars (which must be settled too). Files are taken
 * one at a time. A sidecar with no master to go with is moved to failed/. A folder that
 * disappears is reported and watched for again.
 */
export class WatchFolder {
  readonly ctx: FolderContext;
  readonly #stableMs: number;
  readonly #rescanMs: number;
  readonly #candidates = new Map<string, Candidate>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #available: boolean | undefined;
  #needsResume = true;
  #stopped = false;
  /** `name|fingerprint` of files already refused (and recorded): not looked up again at every scan. */
  readonly #refused = new Set<string>();
  /** Claimed files waiting in `.processing/` after a temporary failure, by ingest id. */
  readonly #retries = new Map<string, { attempt: number; dueAt: number }>();
  /** Passes started so far; a waiter counts only passes that start after it asked. */
  #passesStarted = 0;
  #report: PassReport = emptyReport();
  readonly #waiters: { after: number; resolve: (report: PassReport) => void }[] = [];

  constructor(deps: IngestDeps, folder: WatchFolderConfig, signal: AbortSignal) {
    this.ctx = folderContext(deps, folder, signal);
    this.#stableMs = folder.stableSeconds * 1000;
    this.#rescanMs = folder.rescanSeconds * 1000;
  }

  async start(): Promise<void> {
    // Files detected before a restart keep their record (no second `ingest.detected`).
    for (const ingest of await this.ctx.store.ingests.unfinished(this.ctx.root)) {
      if (ingest.state !== 'detected') continue;
      const [dev, ino] = ingest.fingerprint.split(':');
      this.#candidates.set(ingest.name, {
        ingest,
        identity: `${dev}:${ino}`,
        fingerprint: '',
        since: 0,
        stats: undefined as unknown as Stats,
        caption: isCaptionName(ingest.name),
      });
    }
    this.kick();
  }

  /** Runs a pass now (or right after the current one). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    const index = ++this.#passesStarted;
    this.#report = emptyReport();
    this.#running = this.#pass()
      .catch((err: unknown) => this.ctx.logger.error({ err, folder: this.ctx.root }, 'watch folder: pass failed'))
      .finally(() => {
        this.#running = undefined;
        this.#settle(index);
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.kick();
          return;
        }
        // While files are settling, look again soon; otherwise at the rescan period.
        const settling = [...this.#candidates.values()].some((c) => c.since > 0);
        let delay = settling ? Math.min(this.#rescanMs, Math.max(100, Math.min(1000, this.#stableMs / 4))) : this.#rescanMs;
        for (const r of this.#retries.values()) delay = Math.min(delay, Math.max(100, r.dueAt - Date.now()));
        this.#timer = setTimeout(() => this.kick(), delay);
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#running;
    for (const w of this.#waiters.splice(0)) w.resolve(emptyReport());
  }

  /** Resolves with the report of the next pass that starts after this call and finishes. */
  nextPass(): Promise<PassReport> {
    if (this.#stopped) return Promise.resolve(emptyReport());
    return new Promise((resolve) => this.#waiters.push({ after: this.#passesStarted, resolve }));
  }

  #settle(index: number): void {
    const report = this.#report;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (index <= w.after) continue;
      this.#waiters.splice(i, 1);
      w.resolve(report);
    }
  }

  async #pass(): Promise<void> {
    if (!(await this.#checkFolder())) return;
    if (this.#needsResume) {
      this.#needsResume = false;
      await this.#resume();
    }
    this.#watch();
    await this.#retryDue();
    await this.#scan();
  }

  async #process(ingestId: string, attempt = 1): Promise<void> {
    const ingest = await this.ctx.store.ingests.get(ingestId);
    if (!ingest) return;
    const result = await processClaimed(this.ctx, ingest, attempt, await claimedSidecars(this.ctx, ingest));
    if (result.outcome === 'retry') this.#retries.set(ingestId, { attempt: result.attempt, dueAt: Date.now() + result.delayMs });
    else if (result.outcome !== 'stopped') this.#retries.delete(ingestId);
  }

  /** Claimed files whose temporary failure is due for another attempt (still in `.processing/`, still claimed). */
  async #retryDue(): Promise<void> {
    for (const [ingestId, retry] of [...this.#retries]) {
      if (this.ctx.signal.aborted) return;
      if (retry.dueAt > Date.now()) continue;
      const ingest = await this.ctx.store.ingests.get(ingestId);
      if (!ingest || ingest.state !== 'claimed' || !(await lstatOrNone(join(this.ctx.processing, ingest.name)))) {
        this.#retries.delete(ingestId); // finished another way, or resumed at the next start
        continue;
      }
      await this.#process(ingestId, retry.attempt + 1);
    }
  }

  /** The root and its `.processing/`, `done/`, `failed/` must be real directories (never symlinks). */
  async #checkFolder(): Promise<boolean> {
    const problem = await folderProblem(this.ctx);
    if (problem === undefined) {
      if (this.#available !== true) {
        if (this.#available === false) this.#needsResume = true;
        this.#available = true;
        this.ctx.logger.info({ folder: this.ctx.root }, 'watch folder: watching');
        this.ctx.onFolderStatus?.(this.ctx.root, undefined);
        await auditFolder(this.ctx, 'ingest.folder_available', {});
      }
      return true;
    }
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#available !== false) {
      this.#available = false;
      this.ctx.logger.error({ folder: this.ctx.root, problem }, `watch folder unavailable: ${problem}; watching for it to come back`);
      this.ctx.onFolderStatus?.(this.ctx.root, problem);
      await auditFolder(this.ctx, 'ingest.folder_unavailable', { problem });
    }
    return false;
  }

  #watch(): void {
    if (this.#watcher) return;
    try {
      this.#watcher = watch(this.ctx.root, { persistent: false }, () => this.kick());
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined;
        this.kick();
      });
    } catch (err) {
      this.ctx.logger.warn({ err, folder: this.ctx.root }, 'watch folder: no change events here; the periodic rescan still finds files');
    }
  }

  /**
   * Files left in `.processing/` (a stop or crash mid-ingest) are finished, never ingested
   * twice; a master resumes with the sidecars claimed with it (src/ingest/resume.ts).
   */
  async #resume(): Promise<void> {
    await resume({
      ctx: this.ctx,
      candidates: this.#candidates,
      refused: this.#refused,
      process: (ingestId) => this.#process(ingestId),
      failOrphan: (ingest, from, message) => failOrphan(this.ctx, this.#report, ingest, from, message),
    });
  }

  async #scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.ctx.root);
    } catch (err) {
      this.ctx.logger.warn({ err, folder: this.ctx.root }, 'watch folder: cannot list the folder');
      return;
    }
    const now = Date.now();
    const present = new Set<string>();
    for (const name of names) {
      if (isIgnoredName(name) || name === 'done' || name === 'failed') continue;
      const st = await lstatOrNone(join(this.ctx.root, name));
      if (!st || st.isDirectory()) continue;
      if (ingestNameProblem(name) !== undefined || st.isSymbolicLink() || !st.isFile() || st.nlink !== 1) {
        await refuse(this.ctx, this.#refused, name, st);
        continue;
      }
      present.add(name);
      this.#report.seen.push(name);
      const fp = fingerprint(st);
      let c = this.#candidates.get(name);
      if (c && c.identity !== identityOf(st)) {
        await gone(this.ctx, this.#candidates, c, 'replaced by another file before it was taken');
        c = undefined;
      }
      if (!c) {
        c = { ingest: await detect(this.ctx, name, st), identity: identityOf(st), fingerprint: fp, since: now, stats: st, caption: isCaptionName(name) };
        this.#candidates.set(name, c);
      } else if (c.fingerprint !== fp) {
        Object.assign(c, { fingerprint: fp, since: now, stats: st });
      }
    }
    for (const [name, c] of this.#candidates) {
      if (!present.has(name)) await gone(this.ctx, this.#candidates, c, 'removed before it was taken');
    }
    const isStable = (c: Candidate) => c.since > 0 && now - c.since >= this.#stableMs;
    const stable = [...this.#candidates.values()].filter(isStable);
    if (stable.length === 0) return;
    const base = await realpath(this.ctx.root);
    const writing = await this.ctx.openWriters.openForWriting(stable.map((c) => join(base, c.ingest.name)));
    const written = (c: Candidate) => writing.has(join(base, c.ingest.name));
    const current = (c: Candidate) => this.#candidates.get(c.ingest.name) === c;
    // The masters in the folder as the pass found them (those it claims below included).
    const inFolder = [...this.#candidates.values()].filter((c) => !c.caption).map((c) => c.ingest.name);
    // Masters, each with the sidecars that belong to it alone; all of them settled, or it waits.
    for (const c of stable) {
      if (this.ctx.signal.aborted) return;
      if (c.caption || !current(c)) continue;
      if (written(c)) {
        this.ctx.logger.debug({ folder: this.ctx.root, name: c.ingest.name }, 'watch folder: stable but open for writing; waiting');
        this.#report.heldOpen.push(c.ingest.name);
        continue;
      }
      const sidecars = [...this.#candidates.values()]
        .sort((a, b) => byName(a.ingest, b.ingest))
        .filter((s) => s.caption && isSidecarOf(s.ingest.name, c.ingest.name) && mastersOf(s.ingest.name, inFolder).length === 1);
      const unsettled = sidecars.filter((s) => !isStable(s) || written(s)).map((s) => s.ingest.name);
      if (unsettled.length > 0) {
        this.ctx.logger.debug({ folder: this.ctx.root, name: c.ingest.name, unsettled }, 'watch folder: stable, waiting for its sidecars to settle');
        this.#report.waiting.push(c.ingest.name);
        continue;
      }
      const outcome = await claimFile(
        this.ctx,
        c.ingest,
        c.stats,
        sidecars.map((s) => ({ ingest: s.ingest, stats: s.stats })),
      );
      if (outcome === 'changed') {
        c.since = Date.now();
        continue;
      }
      if (outcome === 'busy') continue;
      this.#candidates.delete(c.ingest.name);
      if (outcome === 'claimed') {
        for (const s of sidecars) this.#candidates.delete(s.ingest.name);
        this.#report.taken.push(c.ingest.name, ...sidecars.map((s) => s.ingest.name));
        await this.#process(c.ingest.id);
      }
    }
    // Settled sidecars with no master to go with.
    let processing: string[] | undefined;
    const graceMs = ORPHAN_GRACE_FACTOR * this.#stableMs;
    for (const s of stable) {
      if (this.ctx.signal.aborted) return;
      if (!s.caption || !current(s)) continue;
      if (written(s)) {
        this.#report.heldOpen.push(s.ingest.name);
        continue;
      }
      const name = s.ingest.name;
      const masters = mastersOf(name, inFolder);
      if (masters.length === 1) continue; // it goes with its master once that is settled
      let why: string | undefined;
      if (masters.length > 1) why = `matches more than one master (${masters.map(shownName).join(', ')}); name it after the one it goes with`;
      else {
        processing ??= await readdir(this.ctx.processing).catch(() => []);
        const taken = mastersOf(
          name,
          processing.filter((n) => !isCaptionName(n)),
        );
        if (taken.length > 0) why = `came after its master ${shownName(taken[0]!)} was taken; drop sidecars before or with their master`;
        else if (names.some((n) => mayBecomeMasterOf(n, name)))
          continue; // its master is being copied under a partial name
        else if (now - s.since >= graceMs)
          why = `has had no master in the folder for ${graceMs / 1000} s (a sidecar NAME.EXT or NAME.LANG.EXT goes with the master NAME.*)`;
      }
      if (why === undefined) continue;
      const st = await lstatOrNone(join(this.ctx.root, name));
      if (!st || fingerprint(st) !== fingerprint(s.stats)) continue; // changed or gone: the next pass sees it
      if (await failOrphan(this.ctx, this.#report, s.ingest, join(this.ctx.root, name), `caption sidecar ${shownName(name)} ${why}`))
        this.#candidates.delete(name);
    }
  }
}

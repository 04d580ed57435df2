import { watch, type FSWatcher, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../errors/appliance-error.js';
import type { IngestRecord } from '../store/ingests.js';
import { claimFile, moveToFailed, processClaimed, refuseInPlace } from './file-ingest.js';
import { lstatOrNone, moveToFreeName } from './file-moves.js';
import { fingerprint, folderContext, newIngestId, recordIngest, type FolderContext, type IngestDeps, type WatchFolderConfig } from './folder-context.js';
import { ingestNameProblem, isIgnoredName, shownName } from './ingest-name.js';
import { isCaptionName, isSidecarOf, masterIdOf, mastersOf, mayBecomeMasterOf, ORPHAN_GRACE_FACTOR, sidecarKeyOf } from './sidecars.js';

interface Candidate {
  ingest: IngestRecord;
  /** `dev:ino` of the file the record is about. */
  identity: string;
  /** The last fingerprint seen, and since when it has not changed. */
  fingerprint: string;
  since: number;
  stats: Stats;
  /** A caption file (by its extension): never a master, a sidecar of one (src/ingest/sidecars.ts). */
  caption: boolean;
}

const identityOf = (st: Stats) => `${st.dev}:${st.ino}`;
/** Sidecars go into a job in name order (code units: the same on every host). */
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

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
    const result = await processClaimed(this.ctx, ingest, attempt, await this.#claimedSidecars(ingest));
    if (result.outcome === 'retry') this.#retries.set(ingestId, { attempt: result.attempt, dueAt: Date.now() + result.delayMs });
    else if (result.outcome !== 'stopped') this.#retries.delete(ingestId);
  }

  /**
   * The sidecars claimed with `master` (their key names its ingest id) and not finished: those
   * in `.processing/`, and a claimed one gone from there (its master then fails: it cannot be
   * submitted without it).
   */
  async #claimedSidecars(master: IngestRecord): Promise<IngestRecord[]> {
    const inProcessing = new Set(await readdir(this.ctx.processing).catch(() => []));
    return (await this.ctx.store.ingests.unfinished(this.ctx.root))
      .sort(byName)
      .filter(
        (i) =>
          i.id !== master.id &&
          isCaptionName(i.name) &&
          masterIdOf(i) === master.id &&
          (i.state === 'claimed' || (i.state === 'submitted' && inProcessing.has(i.name))),
      );
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
    const problem = await this.#folderProblem();
    if (problem === undefined) {
      if (this.#available !== true) {
        if (this.#available === false) this.#needsResume = true;
        this.#available = true;
        this.ctx.logger.info({ folder: this.ctx.root }, 'watch folder: watching');
        this.ctx.onFolderStatus?.(this.ctx.root, undefined);
        await this.#auditFolder('ingest.folder_available', {});
      }
      return true;
    }
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#available !== false) {
      this.#available = false;
      this.ctx.logger.error({ folder: this.ctx.root, problem }, `watch folder unavailable: ${problem}; watching for it to come back`);
      this.ctx.onFolderStatus?.(this.ctx.root, problem);
      await this.#auditFolder('ingest.folder_unavailable', { problem });
    }
    return false;
  }

  async #folderProblem(): Promise<string | undefined> {
    try {
      const root = await lstatOrNone(this.ctx.root);
      if (!root) return 'the folder does not exist';
      if (root.isSymbolicLink()) return 'the folder is a symbolic link (configure the real path)';
      if (!root.isDirectory()) return 'not a directory';
      for (const dir of [this.ctx.processing, this.ctx.done, this.ctx.failed]) {
        await mkdir(dir, { mode: 0o750 }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        const st = await lstat(dir);
        if (!st.isDirectory() || st.isSymbolicLink()) return `${dir} is not a directory (a symbolic link or a file is refused)`;
        if (st.dev !== root.dev) return `${dir} is on another filesystem (a claim must be a rename)`;
      }
      return undefined;
    } catch (err) {
      // Removed between the checks above: say so plainly.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstatOrNone(this.ctx.root).catch(() => undefined))) return 'the folder does not exist';
      return messageOf(err);
    }
  }

  async #auditFolder(type: string, payload: Record<string, unknown>): Promise<void> {
    await this.ctx.store.change(async (tx) => void (await tx.audit({ type, actor: this.ctx.actor, payload: { folder: this.ctx.root, ...payload } })));
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
   * twice; a master resumes with the sidecars claimed with it.
   */
  async #resume(): Promise<void> {
    const open = new Map((await this.ctx.store.ingests.unfinished(this.ctx.root)).filter((i) => i.state !== 'detected').map((i) => [i.name, i]));
    const inProcessing = await readdir(this.ctx.processing);
    for (const ingest of open.values()) {
      if (inProcessing.includes(ingest.name)) continue;
      if (ingest.state === 'submitted') {
        await this.#recordMovedToDone(ingest);
        continue;
      }
      if (ingest.state !== 'claimed') continue;
      // A sidecar's job is its master's; while its master is still in .processing/, the master's resume deals with it.
      const ownerId = (isCaptionName(ingest.name) ? masterIdOf(ingest) : null) ?? ingest.id;
      const owner = ownerId === ingest.id ? undefined : [...open.values()].find((i) => i.id === ownerId);
      if (owner && inProcessing.includes(owner.name)) continue;
      // Claimed, then its file left .processing/ by another hand: nothing to resume.
      const job = await this.ctx.store.jobs.byIdempotencyKey(`ingest:${ownerId}`);
      const message = `${shownName(ingest.name)} is no longer in .processing/${job ? '' : '; nothing was submitted'}`;
      if (job)
        await recordIngest(this.ctx, ingest.id, { state: 'submitted', jobId: job.id }, 'ingest.submitted', { name: ingest.name, jobId: job.id, note: message });
      else
        await recordIngest(this.ctx, ingest.id, { state: 'failed', errorCode: 'INGEST_SOURCE_VANISHED', errorMessage: message }, 'ingest.failed', {
          name: ingest.name,
          code: 'INGEST_SOURCE_VANISHED',
          message,
        });
    }
    // Masters first: each sidecar then finds the master it was claimed with.
    const masters: IngestRecord[] = [];
    const sidecars: { name: string; st: Stats }[] = [];
    for (const name of inProcessing) {
      if (this.ctx.signal.aborted) return;
      const st = await lstatOrNone(join(this.ctx.processing, name));
      if (!st) continue;
      if (isCaptionName(name)) {
        sidecars.push({ name, st });
        continue;
      }
      const ingest = await this.#resumedClaim(name, st, open.get(name));
      if (ingest) masters.push(ingest);
    }
    for (const { name, st } of sidecars) {
      if (this.ctx.signal.aborted) return;
      const record = open.get(name);
      const linked = record ? masters.find((m) => m.id === masterIdOf(record)) : undefined;
      const fitting = masters.filter((m) => isSidecarOf(name, m.name));
      const master = linked ?? (fitting.length === 1 ? fitting[0] : undefined);
      if (master) await this.#resumedClaim(name, st, record, master);
      else await this.#loneClaimedSidecar(name, st, record);
    }
    for (const ingest of masters) {
      if (this.ctx.signal.aborted) return;
      await this.#process(ingest.id);
    }
  }

  /**
   * The record of a file found in `.processing/` at start, recorded claimed if it was not yet
   * (claimed just before a crash, or put there by hand), `ingest.resumed` audited; a sidecar is
   * tied to `master`. Undefined when the file is refused.
   */
  async #resumedClaim(name: string, st: Stats, open: IngestRecord | undefined, master?: IngestRecord): Promise<IngestRecord | undefined> {
    let ingest = open;
    const link = master ? { sidecarOf: master.name, masterIngestId: master.id } : {};
    if (!ingest || (master && masterIdOf(ingest) !== master.id)) {
      ingest ??= await this.#recordOf(name, st);
      if (!ingest) return undefined;
      await recordIngest(
        this.ctx,
        ingest.id,
        { state: ingest.state === 'submitted' ? 'submitted' : 'claimed', size: st.size, ...(master ? { inputKey: sidecarKeyOf(master, name) } : {}) },
        'ingest.claimed',
        { name, path: join(this.ctx.processing, name), size: st.size, resumed: true, ...link },
      );
    }
    this.ctx.logger.info(
      { folder: this.ctx.root, name, ingestId: ingest.id, state: ingest.state, ...link },
      'watch folder: resuming a file found in .processing/',
    );
    const { id, jobId, state } = ingest;
    await this.ctx.store.change(
      async (tx) =>
        void (await tx.audit({ type: 'ingest.resumed', actor: this.ctx.actor, jobId, payload: { ingestId: id, folder: this.ctx.root, name, state, ...link } })),
    );
    return ingest;
  }

  /** The record of a file found in `.processing/` with no open record: its detected record (claimed just before a crash), or a new one; undefined when refused. */
  async #recordOf(name: string, st: Stats): Promise<IngestRecord | undefined> {
    const detected = this.#candidates.get(name);
    if (detected && detected.identity === identityOf(st)) {
      this.#candidates.delete(name);
      return detected.ingest;
    }
    if (ingestNameProblem(name) !== undefined || !st.isFile() || st.nlink !== 1) {
      await this.#refuse(name, st);
      return undefined;
    }
    return await this.#detect(name, st);
  }

  /**
   * A sidecar in `.processing/` without its master there: a stop between the renames of a
   * claim (the sidecars go first). It goes back into the folder when its master is there (to
   * be claimed with it again), else to failed/ (INGEST_ORPHAN_SIDECAR).
   */
  async #loneClaimedSidecar(name: string, st: Stats, open: IngestRecord | undefined): Promise<void> {
    const ingest = open ?? (await this.#recordOf(name, st));
    if (!ingest) return;
    const from = join(this.ctx.processing, name);
    const inFolder = (await readdir(this.ctx.root)).filter((n) => !isIgnoredName(n) && !isCaptionName(n) && n !== 'done' && n !== 'failed');
    const masters = mastersOf(name, inFolder);
    if (masters.length === 1 && (await moveToFreeName(from, join(this.ctx.root, name)))) {
      const note = `claimed without its master (a stop during the claim); put back in the folder to go with ${shownName(masters[0]!)}`;
      await recordIngest(this.ctx, ingest.id, { state: 'detected', inputKey: null }, 'ingest.resumed', { name, state: ingest.state, note });
      this.ctx.logger.info({ folder: this.ctx.root, name, ingestId: ingest.id }, `watch folder: sidecar ${note}`);
      this.#candidates.set(name, { ingest: { ...ingest, state: 'detected' }, identity: identityOf(st), fingerprint: '', since: 0, stats: st, caption: true });
      return;
    }
    const why =
      masters.length > 1
        ? `matches more than one master in the folder (${masters.map(shownName).join(', ')})`
        : 'has no master in .processing/ or in the folder';
    await this.#failOrphan(ingest, from, `caption sidecar ${shownName(name)} was found in .processing/ without its master and ${why}`);
  }

  /** A sidecar with no master to go with: to failed/ with its error file, recorded (INGEST_ORPHAN_SIDECAR). */
  async #failOrphan(ingest: IngestRecord, from: string, message: string): Promise<boolean> {
    const code = 'INGEST_ORPHAN_SIDECAR';
    const moved = await moveToFailed(this.ctx, ingest, from, code, message);
    if (!moved.movedTo) return false;
    await recordIngest(this.ctx, ingest.id, { state: 'failed', errorCode: code, errorMessage: message }, 'ingest.failed', {
      name: ingest.name,
      code,
      message,
      ...moved,
    });
    this.ctx.logger.warn({ folder: this.ctx.root, name: ingest.name, ingestId: ingest.id, code, movedTo: moved.movedTo }, `watch folder: ${message}`);
    this.#report.orphaned.push(ingest.name);
    return true;
  }

  /**
   * A stop between the move to done/ and its record leaves the ingest "submitted" with its
   * file already in done/ (under its name or `<id>-name`): record it done now.
   */
  async #recordMovedToDone(ingest: IngestRecord): Promise<void> {
    for (const name of [ingest.name, `${ingest.id}-${ingest.name}`]) {
      if (!(await lstatOrNone(join(this.ctx.done, name)))?.isFile()) continue;
      const movedTo = join(this.ctx.done, name);
      await recordIngest(this.ctx, ingest.id, { state: 'done', jobId: ingest.jobId }, 'ingest.done', {
        name: ingest.name,
        jobId: ingest.jobId,
        movedTo,
        note: 'recorded at start: the file was moved to done/ just before a stop',
      });
      this.ctx.logger.info(
        { folder: this.ctx.root, name: ingest.name, ingestId: ingest.id, jobId: ingest.jobId },
        'watch folder: file found in done/ at start; recorded done',
      );
      return;
    }
  }

  async #detect(name: string, st: Stats): Promise<IngestRecord> {
    const id = newIngestId();
    const path = join(this.ctx.root, name);
    await this.ctx.store.change(async (tx) => {
      await tx.ingests.insert({ id, folder: this.ctx.root, name, state: 'detected', fingerprint: fingerprint(st), size: st.size });
      const caption = isCaptionName(name) ? { caption: true } : {};
      await tx.audit({
        type: 'ingest.detected',
        actor: this.ctx.actor,
        payload: { ingestId: id, folder: this.ctx.root, name, path, size: st.size, ...caption },
      });
    });
    this.ctx.logger.info({ folder: this.ctx.root, name, ingestId: id, size: st.size }, 'watch folder: file detected');
    return (await this.ctx.store.ingests.get(id))!;
  }

  async #refuse(name: string, st: Stats): Promise<void> {
    const memo = `${name}|${fingerprint(st)}`;
    if (this.#refused.has(memo)) return;
    this.#refused.add(memo);
    const nameProblem = ingestNameProblem(name);
    if (nameProblem !== undefined) {
      await refuseInPlace(this.ctx, name, st, 'INGEST_NAME_INVALID', `file name ${shownName(name)} ${nameProblem}; refused, left in place`);
    } else if (st.isSymbolicLink()) {
      const target = await readlink(join(this.ctx.root, name)).catch(() => null);
      await refuseInPlace(this.ctx, name, st, 'INGEST_SYMLINK', `${shownName(name)} is a symbolic link; never followed, left in place`, { linkTarget: target });
    } else if (!st.isFile()) {
      await refuseInPlace(this.ctx, name, st, 'INGEST_NOT_A_FILE', `${shownName(name)} is not a regular file; left in place`);
    } else {
      await refuseInPlace(
        this.ctx,
        name,
        st,
        'INGEST_HARD_LINK',
        `${shownName(name)} has ${st.nlink} hard links (it may be another file's contents); refused, left in place`,
        { nlink: st.nlink },
      );
    }
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
        await this.#refuse(name, st);
        continue;
      }
      present.add(name);
      this.#report.seen.push(name);
      const fp = fingerprint(st);
      let c = this.#candidates.get(name);
      if (c && c.identity !== identityOf(st)) {
        await this.#gone(c, 'replaced by another file before it was taken');
        c = undefined;
      }
      if (!c) {
        c = { ingest: await this.#detect(name, st), identity: identityOf(st), fingerprint: fp, since: now, stats: st, caption: isCaptionName(name) };
        this.#candidates.set(name, c);
      } else if (c.fingerprint !== fp) {
        Object.assign(c, { fingerprint: fp, since: now, stats: st });
      }
    }
    for (const [name, c] of this.#candidates) {
      if (!present.has(name)) await this.#gone(c, 'removed before it was taken');
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
      if (await this.#failOrphan(s.ingest, join(this.ctx.root, name), `caption sidecar ${shownName(name)} ${why}`)) this.#candidates.delete(name);
    }
  }

  /** A detected file that went away before it was taken: recorded, nothing else to do. */
  async #gone(c: Candidate, why: string): Promise<void> {
    this.#candidates.delete(c.ingest.name);
    const message = `${shownName(c.ingest.name)} was ${why}; nothing was stored`;
    this.ctx.logger.info({ folder: this.ctx.root, name: c.ingest.name, ingestId: c.ingest.id }, `watch folder: ${message}`);
    await recordIngest(this.ctx, c.ingest.id, { state: 'failed', errorCode: 'INGEST_SOURCE_VANISHED', errorMessage: message }, 'ingest.failed', {
      name: c.ingest.name,
      code: 'INGEST_SOURCE_VANISHED',
      message,
    });
  }
}

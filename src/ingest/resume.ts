import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestRecord } from '../store/ingests.js';
import { identityOf, type Candidate } from './candidates.js';
import { detect, refuse } from './detection.js';
import { lstatOrNone, moveToFreeName } from './file-moves.js';
import { recordIngest, type FolderContext } from './folder-context.js';
import { ingestNameProblem, isIgnoredName, shownName } from './ingest-name.js';
import { isCaptionName, isSidecarOf, masterIdOf, mastersOf, sidecarKeyOf } from './sidecars.js';

/** What restart/resume handling needs of its watch folder (src/ingest/watch-folder.ts). */
export interface ResumeHost {
  ctx: FolderContext;
  candidates: Map<string, Candidate>;
  refused: Set<string>;
  process(ingestId: string): Promise<void>;
  failOrphan(ingest: IngestRecord, from: string, message: string): Promise<boolean>;
}

/**
 * Files left in `.processing/` (a stop or crash mid-ingest) are finished, never ingested
 * twice; a master resumes with the sidecars claimed with it.
 */
export async function resume(host: ResumeHost): Promise<void> {
  const open = new Map((await host.ctx.store.ingests.unfinished(host.ctx.root)).filter((i) => i.state !== 'detected').map((i) => [i.name, i]));
  const inProcessing = await readdir(host.ctx.processing);
  for (const ingest of open.values()) {
    if (inProcessing.includes(ingest.name)) continue;
    if (ingest.state === 'submitted') {
      await recordMovedToDone(host, ingest);
      continue;
    }
    if (ingest.state !== 'claimed') continue;
    // A sidecar's job is its master's; while its master is still in .processing/, the master's resume deals with it.
    const ownerId = (isCaptionName(ingest.name) ? masterIdOf(ingest) : null) ?? ingest.id;
    const owner = ownerId === ingest.id ? undefined : [...open.values()].find((i) => i.id === ownerId);
    if (owner && inProcessing.includes(owner.name)) continue;
    // Claimed, then its file left .processing/ by another hand: nothing to resume.
    const job = await host.ctx.store.jobs.byIdempotencyKey(`ingest:${ownerId}`);
    const message = `${shownName(ingest.name)} is no longer in .processing/${job ? '' : '; nothing was submitted'}`;
    if (job)
      await recordIngest(host.ctx, ingest.id, { state: 'submitted', jobId: job.id }, 'ingest.submitted', { name: ingest.name, jobId: job.id, note: message });
    else
      await recordIngest(host.ctx, ingest.id, { state: 'failed', errorCode: 'INGEST_SOURCE_VANISHED', errorMessage: message }, 'ingest.failed', {
        name: ingest.name,
        code: 'INGEST_SOURCE_VANISHED',
        message,
      });
  }
  // Masters first: each sidecar then finds the master it was claimed with.
  const masters: IngestRecord[] = [];
  const sidecars: { name: string; st: Stats }[] = [];
  for (const name of inProcessing) {
    if (host.ctx.signal.aborted) return;
    const st = await lstatOrNone(join(host.ctx.processing, name));
    if (!st) continue;
    if (isCaptionName(name)) {
      sidecars.push({ name, st });
      continue;
    }
    const ingest = await resumedClaim(host, name, st, open.get(name));
    if (ingest) masters.push(ingest);
  }
  for (const { name, st } of sidecars) {
    if (host.ctx.signal.aborted) return;
    const record = open.get(name);
    const linked = record ? masters.find((m) => m.id === masterIdOf(record)) : undefined;
    const fitting = masters.filter((m) => isSidecarOf(name, m.name));
    const master = linked ?? (fitting.length === 1 ? fitting[0] : undefined);
    if (master) await resumedClaim(host, name, st, record, master);
    else await loneClaimedSidecar(host, name, st, record);
  }
  for (const ingest of masters) {
    if (host.ctx.signal.aborted) return;
    await host.process(ingest.id);
  }
}

/**
 * The record of a file found in `.processing/` at start, recorded claimed if it was not yet
 * (claimed just before a crash, or put there by hand), `ingest.resumed` audited; a sidecar is
 * tied to `master`. Undefined when the file is refused.
 */
async function resumedClaim(
  host: ResumeHost,
  name: string,
  st: Stats,
  open: IngestRecord | undefined,
  master?: IngestRecord,
): Promise<IngestRecord | undefined> {
  let ingest = open;
  const link = master ? { sidecarOf: master.name, masterIngestId: master.id } : {};
  if (!ingest || (master && masterIdOf(ingest) !== master.id)) {
    ingest ??= await recordOf(host, name, st);
    if (!ingest) return undefined;
    await recordIngest(
      host.ctx,
      ingest.id,
      { state: ingest.state === 'submitted' ? 'submitted' : 'claimed', size: st.size, ...(master ? { inputKey: sidecarKeyOf(master, name) } : {}) },
      'ingest.claimed',
      { name, path: join(host.ctx.processing, name), size: st.size, resumed: true, ...link },
    );
  }
  host.ctx.logger.info(
    { folder: host.ctx.root, name, ingestId: ingest.id, state: ingest.state, ...link },
    'watch folder: resuming a file found in .processing/',
  );
  const { id, jobId, state } = ingest;
  await host.ctx.store.change(
    async (tx) =>
      void (await tx.audit({ type: 'ingest.resumed', actor: host.ctx.actor, jobId, payload: { ingestId: id, folder: host.ctx.root, name, state, ...link } })),
  );
  return ingest;
}

/** The record of a file found in `.processing/` with no open record: its detected record (claimed just before a crash), or a new one; undefined when refused. */
async function recordOf(host: ResumeHost, name: string, st: Stats): Promise<IngestRecord | undefined> {
  const detected = host.candidates.get(name);
  if (detected && detected.identity === identityOf(st)) {
    host.candidates.delete(name);
    return detected.ingest;
  }
  if (ingestNameProblem(name) !== undefined || !st.isFile() || st.nlink !== 1) {
    await refuse(host.ctx, host.refused, name, st);
    return undefined;
  }
  return await detect(host.ctx, name, st);
}

/**
 * A sidecar in `.processing/` without its master there: a stop between the renames of a
 * claim (the sidecars go first). It goes back into the folder when its master is there (to
 * be claimed with it again), else to failed/ (INGEST_ORPHAN_SIDECAR).
 */
async function loneClaimedSidecar(host: ResumeHost, name: string, st: Stats, open: IngestRecord | undefined): Promise<void> {
  const ingest = open ?? (await recordOf(host, name, st));
  if (!ingest) return;
  const from = join(host.ctx.processing, name);
  const inFolder = (await readdir(host.ctx.root)).filter((n) => !isIgnoredName(n) && !isCaptionName(n) && n !== 'done' && n !== 'failed');
  const masters = mastersOf(name, inFolder);
  if (masters.length === 1 && (await moveToFreeName(from, join(host.ctx.root, name)))) {
    const note = `claimed without its master (a stop during the claim); put back in the folder to go with ${shownName(masters[0]!)}`;
    await recordIngest(host.ctx, ingest.id, { state: 'detected', inputKey: null }, 'ingest.resumed', { name, state: ingest.state, note });
    host.ctx.logger.info({ folder: host.ctx.root, name, ingestId: ingest.id }, `watch folder: sidecar ${note}`);
    host.candidates.set(name, { ingest: { ...ingest, state: 'detected' }, identity: identityOf(st), fingerprint: '', since: 0, stats: st, caption: true });
    return;
  }
  const why =
    masters.length > 1 ? `matches more than one master in the folder (${masters.map(shownName).join(', ')})` : 'has no master in .processing/ or in the folder';
  await host.failOrphan(ingest, from, `caption sidecar ${shownName(name)} was found in .processing/ without its master and ${why}`);
}

/**
 * A stop between the move to done/ and its record leaves the ingest "submitted" with its
 * file already in done/ (under its name or `<id>-name`): record it done now.
 */
async function recordMovedToDone(host: ResumeHost, ingest: IngestRecord): Promise<void> {
  for (const name of [ingest.name, `${ingest.id}-${ingest.name}`]) {
    if (!(await lstatOrNone(join(host.ctx.done, name)))?.isFile()) continue;
    const movedTo = join(host.ctx.done, name);
    await recordIngest(host.ctx, ingest.id, { state: 'done', jobId: ingest.jobId }, 'ingest.done', {
      name: ingest.name,
      jobId: ingest.jobId,
      movedTo,
      note: 'recorded at start: the file was moved to done/ just before a stop',
    });
    host.ctx.logger.info(
      { folder: host.ctx.root, name: ingest.name, ingestId: ingest.id, jobId: ingest.jobId },
      'watch folder: file found in done/ at start; recorded done',
    );
    return;
  }
}

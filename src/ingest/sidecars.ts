import { readdir } from 'node:fs/promises';
import { captionFormatOf, captionInputOf } from '../runtime/caption-inputs.js';
import type { IngestRecord } from '../store/ingests.js';
import { byName } from './candidates.js';
import { moveToFailed } from './failures.js';
import { recordIngest, type FolderContext } from './folder-context.js';
import { isIgnoredName } from './ingest-name.js';

/*
 * Caption/subtitle sidecars in a watch folder (docs/watch-folders.md, "Caption sidecars").
 * What is a caption file and which language its name gives are the runtime's rules
 * (src/runtime/caption-inputs.ts), the ones a submission's `captions` are checked and read
 * by: a sidecar the folder takes is always one the submission accepts.
 */

/** A caption file by its extension (`.vtt`, `.srt`, `.ttml`, `.dfxp`, `.xml`): never taken as a master. */
export const isCaptionName = (name: string): boolean => captionFormatOf(name) !== null;

/** A master's name without its extension: `Movie.mov` → `Movie` (a name with no extension is its own base). */
export function masterBase(master: string): string {
  const dot = master.lastIndexOf('.');
  return dot > 0 ? master.slice(0, dot) : master;
}

/** The language a sidecar's name gives (`Movie.en.vtt` → `en`, `Movie.pt-BR.srt` → `pt-BR`), or null (`Movie.vtt`). */
export const sidecarLanguage = (name: string): string | null => captionInputOf({ key: name }).language;

/**
 * Whether `name` is a sidecar of the master `master`: `NAME.EXT` or `NAME.LANG.EXT`, where
 * NAME is the master's name without its extension (compared exactly), LANG a language code
 * (lower case: `en`, `fre`, `pt-BR`) and EXT a caption extension. Any other part between NAME
 * and EXT (`Movie.v2.srt`, `Movie.en.cc.vtt`) makes it no sidecar of that master.
 */
export function isSidecarOf(name: string, master: string): boolean {
  if (isCaptionName(master) || !isCaptionName(name)) return false;
  const base = masterBase(master);
  if (!name.startsWith(`${base}.`)) return false;
  const ext = name.lastIndexOf('.');
  return ext === base.length || name.slice(base.length + 1, ext) === sidecarLanguage(name);
}

/** The masters among `masters` (names) that `sidecar` belongs to; more than one is ambiguous (`Movie.mov` and `Movie.mp4`). */
export const mastersOf = (sidecar: string, masters: Iterable<string>): string[] => [...masters].filter((m) => isSidecarOf(sidecar, m));

/**
 * Whether an ignored entry (a partial copy: dotfile, `*.part`, `*.tmp`) may become a master of
 * `sidecar`: its name, without a leading dot, starts with a NAME the sidecar could belong to
 * (`Movie.mov.part`, rsync's `.Movie.mov.Xa31f`). While one is there, a masterless sidecar waits.
 */
export function mayBecomeMasterOf(entry: string, sidecar: string): boolean {
  if (!isIgnoredName(entry)) return false;
  const ext = sidecar.lastIndexOf('.');
  const bases = [sidecar.slice(0, ext)];
  const language = sidecarLanguage(sidecar);
  if (language !== null) bases.push(sidecar.slice(0, ext - language.length - 1));
  const stripped = entry.replace(/^\./, '');
  return bases.some((base) => base.length > 0 && stripped.startsWith(`${base}.`));
}

/** A masterless sidecar is failed after this many times the folder's `stableSeconds` (from its last change). */
export const ORPHAN_GRACE_FACTOR = 4;

/** The input-bucket key of a sidecar: `<master's ingest id>-<sidecar name>`, beside its master's `<id>-<name>`. */
export const sidecarKeyOf = (master: Pick<IngestRecord, 'id'>, name: string): string => `${master.id}-${name}`;

/**
 * The ingest id of the master a claimed sidecar went with, from its record's key (set when it
 * was claimed), or null (not claimed with a master).
 */
export function masterIdOf(sidecar: Pick<IngestRecord, 'name' | 'inputKey'>): string | null {
  const key = sidecar.inputKey;
  if (key === null || !key.endsWith(`-${sidecar.name}`)) return null;
  return key.slice(0, key.length - sidecar.name.length - 1) || null;
}

/**
 * The sidecars claimed with `master` (their key names its ingest id) and not finished: those
 * in `.processing/`, and a claimed one gone from there (its master then fails: it cannot be
 * submitted without it).
 */
export async function claimedSidecars(ctx: FolderContext, master: IngestRecord): Promise<IngestRecord[]> {
  const inProcessing = new Set(await readdir(ctx.processing).catch(() => []));
  return (await ctx.store.ingests.unfinished(ctx.root))
    .sort(byName)
    .filter(
      (i) =>
        i.id !== master.id &&
        isCaptionName(i.name) &&
        masterIdOf(i) === master.id &&
        (i.state === 'claimed' || (i.state === 'submitted' && inProcessing.has(i.name))),
    );
}

/** A sidecar with no master to go with: to failed/ with its error file, recorded (INGEST_ORPHAN_SIDECAR). */
export async function failOrphan(ctx: FolderContext, report: { orphaned: string[] }, ingest: IngestRecord, from: string, message: string): Promise<boolean> {
  const code = 'INGEST_ORPHAN_SIDECAR';
  const moved = await moveToFailed(ctx, ingest, from, code, message);
  if (!moved.movedTo) return false;
  await recordIngest(ctx, ingest.id, { state: 'failed', errorCode: code, errorMessage: message }, 'ingest.failed', {
    name: ingest.name,
    code,
    message,
    ...moved,
  });
  ctx.logger.warn({ folder: ctx.root, name: ingest.name, ingestId: ingest.id, code, movedTo: moved.movedTo }, `watch folder: ${message}`);
  report.orphaned.push(ingest.name);
  return true;
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import type { EncoderImageRecord, Store } from '../store/store.js';
import { createLimiter } from '../signed-tree/limiter.js';
import { copyFileHashed } from '../hashing/file-sha256.js';
import { encoderUnverified, failureOf, type VerificationFailure } from '../images/image-errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../images/image-manifest.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import { verifyImageDir, type VerifiedImage } from '../images/verify-image.js';

/** Appends `encoder_image.verification_failed` and marks a registered image unverified, in one transaction. */
export async function auditVerificationFailure(store: Store, failure: VerificationFailure, actor: string): Promise<void> {
  const known = failure.imageId ? await store.images.get(failure.imageId) : undefined;
  await store.change(async (tx) => {
    if (known && known.state !== 'unverified') await tx.images.setState(known.id, 'unverified', new Date().toISOString());
    await tx.audit({
      type: 'encoder_image.verification_failed',
      actor,
      payload: { imageId: failure.imageId, dir: failure.dir, stage: failure.stage, reason: failure.reason },
    });
  });
}

async function audited<T>(store: Store, actor: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const failure = failureOf(err);
    if (failure) await auditVerificationFailure(store, failure, actor);
    throw err;
  }
}

/** Copies the verified image's files into `to` (which must not exist), hashing every byte written against the manifest. */
async function copyImage(image: VerifiedImage, to: string): Promise<void> {
  await mkdir(to, { recursive: false, mode: 0o755 });
  const limit = createLimiter(4);
  await Promise.all(
    image.manifest.files.map((file) =>
      limit(async () => {
        const target = join(to, file.path);
        await mkdir(dirname(target), { recursive: true, mode: 0o755 });
        const mode = Number.parseInt(file.mode, 8);
        const got = await copyFileHashed(join(image.dir, file.path), target, mode);
        if (got.sha256 !== file.sha256 || got.size !== file.size) {
          throw encoderUnverified({ imageId: image.id, dir: image.dir, reason: `${file.path} changed while it was being imported`, stage: 'import' });
        }
        await chmod(target, mode);
      }),
    ),
  );
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE]) {
    await copyFileHashed(join(image.dir, name), join(to, name), 0o644);
    await chmod(join(to, name), 0o644);
  }
}

export interface ImportOptions {
  store: Store;
  /** `<data>/images`: where every imported image lives, as `<id>/`. */
  imagesDir: string;
  trust: TrustedKeys;
  /** The image folder to import (manifest.json, manifest.json.asc, the files). */
  from: string;
  actor: string;
  /** Rename `from` into place instead of copying (it must be on the same file system and is consumed). */
  move?: boolean;
  /** Extra audit payload (e.g. how the image was made). */
  note?: Record<string, unknown>;
}

/**
 * Imports an image: verifies it where it is (signature by a trusted key, paths, every
 * file's sha256), copies it into `<imagesDir>/<id>/`, verifies the copy again, and
 * registers it — audited as `encoder_image.imported`; a refusal is audited as
 * `encoder_image.verification_failed` and nothing is registered or run.
 */
export async function importImage(options: ImportOptions): Promise<{ image: EncoderImageRecord; alreadyImported: boolean }> {
  const { store, imagesDir, trust, actor } = options;
  return audited(store, actor, async () => {
    const source = await verifyImageDir(options.from, trust, { stage: 'import', mode: 'full' });
    const dir = join(imagesDir, source.id);
    const existing = await store.images.get(source.id);
    if (existing && !existing.removedAt && existing.state === 'verified' && (await stat(dir).catch(() => null))) {
      await verifyImageDir(dir, trust, { expectedId: source.id, stage: 'import', mode: 'full' });
      await store.change(async (tx) => {
        await tx.audit({
          type: 'encoder_image.imported',
          actor,
          payload: { imageId: source.id, name: existing.name, version: existing.version, from: options.from, alreadyImported: true },
        });
      });
      return { image: existing, alreadyImported: true };
    }
    await mkdir(imagesDir, { recursive: true, mode: 0o750 });
    const incoming = join(imagesDir, `.incoming-${randomBytes(6).toString('hex')}`);
    try {
      if (options.move) await rename(source.dir, incoming);
      else await copyImage(source, incoming);
      await verifyImageDir(incoming, trust, { expectedId: source.id, stage: 'import', mode: 'full' });
      // A leftover of a removed or crashed import, or the damaged folder of this same id (same manifest bytes): replaced by the verified copy.
      await rm(dir, { recursive: true, force: true });
      await rename(incoming, dir);
    } finally {
      await rm(incoming, { recursive: true, force: true });
    }
    const image = await verifyImageDir(dir, trust, { expectedId: source.id, stage: 'import', mode: 'full' });
    const manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    const bytes = image.manifest.files.reduce((sum, f) => sum + f.size, 0);
    await store.change(async (tx) => {
      await tx.images.insert({
        id: image.id,
        name: image.manifest.name,
        version: image.manifest.ffmpeg.version,
        path: dir,
        manifest: manifestText,
        state: 'verified',
        verifiedAt: image.verifiedAt,
      });
      await tx.audit({
        type: 'encoder_image.imported',
        actor,
        payload: {
          imageId: image.id,
          name: image.manifest.name,
          version: image.manifest.ffmpeg.version,
          source: image.manifest.source.kind,
          signedBy: image.signedBy,
          files: image.manifest.files.length,
          bytes,
          from: options.move ? null : options.from,
          ...(options.note ?? {}),
        },
      });
    });
    return { image: (await store.images.get(image.id)) as EncoderImageRecord, alreadyImported: false };
  });
}

export interface ImageVerdict {
  id: string;
  name: string;
  version: string;
  ok: boolean;
  reason?: string;
  /** The image is registered (by another node) but its folder is not on this node: nothing is recorded. */
  absent?: boolean;
  image?: VerifiedImage;
}

/**
 * Where this node keeps an image: `imagesDir/<id>` (every node imports into its own data dir),
 * else the folder it was registered from (a node sharing the importer's layout).
 */
export function imageDirOnThisNode(record: Pick<EncoderImageRecord, 'id' | 'path'>, imagesDir: string): string {
  const own = join(imagesDir, record.id);
  return existsSync(own) ? own : record.path;
}

/**
 * Fully re-verifies every registered image this node holds (`imagesDir/<id>`: every file
 * re-hashed), records the state of each (`encoder_image.verified` /
 * `encoder_image.verification_failed`). An image whose folder this node does not have (in a
 * cluster, imported on another node) is `absent`: reported, not recorded.
 */
export async function verifyCatalog(
  store: Store,
  imagesDir: string,
  trust: TrustedKeys,
  actor: string,
  stage: VerificationFailure['stage'] = 'verify',
): Promise<ImageVerdict[]> {
  const verdicts: ImageVerdict[] = [];
  for (const record of await store.images.list()) {
    const dir = imageDirOnThisNode(record, imagesDir);
    if (!existsSync(dir)) {
      verdicts.push({ id: record.id, name: record.name, version: record.version, ok: false, absent: true, reason: `not on this node (${dir})` });
      continue;
    }
    try {
      const image = await verifyImageDir(dir, trust, { expectedId: record.id, stage, mode: 'full' });
      await store.change(async (tx) => {
        await tx.images.setState(record.id, 'verified', image.verifiedAt);
        await tx.audit({
          type: 'encoder_image.verified',
          actor,
          payload: { imageId: record.id, stage, signedBy: image.signedBy, files: image.manifest.files.length },
        });
      });
      verdicts.push({ id: record.id, name: record.name, version: record.version, ok: true, image });
    } catch (err) {
      const failure = failureOf(err);
      if (!failure) throw err;
      await auditVerificationFailure(store, failure, actor);
      verdicts.push({ id: record.id, name: record.name, version: record.version, ok: false, reason: failure.reason });
    }
  }
  return verdicts;
}

/** Unregisters an image and deletes its folder; refused (and audited) while any job pins it. */
export async function removeImage(store: Store, imagesDir: string, id: string, actor: string): Promise<EncoderImageRecord> {
  const record = await store.images.get(id);
  if (!record || record.removedAt) throw new ApplianceError('NOT_FOUND', `no encoder image ${id}`);
  const jobs = await store.images.jobsPinning(id);
  if (jobs > 0) {
    await store.change(async (tx) => {
      await tx.audit({ type: 'encoder_image.remove_refused', actor, payload: { imageId: id, reason: `pinned by ${jobs} job(s)` } });
    });
    throw new ApplianceError('ENCODER_IN_USE', `encoder image ${id} is pinned by ${jobs} job(s) and cannot be removed`, {
      details: { imageId: id, jobs },
    });
  }
  await store.change(async (tx) => {
    await tx.images.markRemoved(id, new Date().toISOString());
    await tx.audit({ type: 'encoder_image.removed', actor, payload: { imageId: id, name: record.name, version: record.version } });
  });
  await rm(imageDirOnThisNode(record, imagesDir), { recursive: true, force: true });
  return record;
}

import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyDetached } from '../signing/openpgp-keys.js';
import { createLimiter } from './debian-recipe/concurrency.js';
import { sha256File } from '../hashing/file-sha256.js';
import { formatMode, type EncoderImageManifest } from './debian-recipe/manifest.js';
import { encoderUnverified, type VerificationFailure } from './image-errors.js';
import { imageIdOf, MANIFEST_FILE, parseImageManifest, SIGNATURE_FILE } from './image-manifest.js';
import { symlinkEscapes, treeFingerprint, walkTree, type TreeEntry } from './image-tree.js';
import type { TrustedKeys } from './trusted-keys.js';

/** An image folder whose signature, paths and file hashes all checked out. */
export interface VerifiedImage {
  id: string;
  /** Real path of the image folder. */
  dir: string;
  manifest: EncoderImageManifest;
  /** Fingerprint of the trusted key that signed manifest.json. */
  signedBy: string;
  /** Metadata digest of the tree when it last verified (see treeFingerprint). */
  treeFingerprint: string;
  verifiedAt: string;
}

export interface VerifyOptions {
  /** Refuse unless the manifest's sha256 is this id. */
  expectedId?: string;
  stage: VerificationFailure['stage'];
  /**
   * `full` re-hashes every file; `cached` re-hashes only if the tree's metadata (path,
   * inode, size, mode, mtime, ctime of every entry) or the trusted keys changed since
   * the last verification in this process.
   */
  mode: 'full' | 'cached';
}

/** Verified trees of this process (per thread), keyed by image folder + id. */
const verified = new Map<string, VerifiedImage>();

const HASH_PARALLELISM = 2;

function trustDigest(trust: TrustedKeys): string {
  return trust.keys
    .map((k) => k.fingerprint)
    .sort()
    .join(',');
}

class Refused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

async function readOptional(path: string): Promise<Buffer | null> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new Refused(`cannot read ${path}: ${err.message}`);
  });
}

/** Structure checks: no symlinks, no unlisted files, every listed file present with its size and mode. */
function checkTree(root: string, manifest: EncoderImageManifest, entries: readonly TreeEntry[]): void {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    if (e.kind === 'symlink') {
      throw new Refused(
        symlinkEscapes(root, e.path, e.target ?? '')
          ? `symlink ${e.path} points outside the image (-> ${e.target})`
          : `unexpected symlink ${e.path} (-> ${e.target}); an image holds regular files only`,
      );
    }
    if (e.kind === 'other') throw new Refused(`${e.path} is not a regular file or folder`);
  }
  for (const file of manifest.files) {
    const e = byPath.get(file.path);
    if (!e) throw new Refused(`missing file ${file.path}`);
    if (e.kind !== 'file') throw new Refused(`${file.path} is a ${e.kind === 'dir' ? 'folder' : e.kind}, the manifest lists a regular file`);
    if (e.size !== file.size) throw new Refused(`size of ${file.path} is ${e.size} bytes, the manifest says ${file.size}`);
    if (formatMode(e.mode) !== file.mode) throw new Refused(`mode of ${file.path} is ${formatMode(e.mode)}, the manifest says ${file.mode}`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const e of entries) {
    if (e.kind === 'file' && !listed.has(e.path) && e.path !== MANIFEST_FILE && e.path !== SIGNATURE_FILE) {
      throw new Refused(`unexpected file ${e.path} (not in the manifest)`);
    }
  }
}

async function verifyUncached(root: string, trust: TrustedKeys, options: VerifyOptions, entries: TreeEntry[]): Promise<VerifiedImage> {
  const manifestBytes = await readOptional(join(root, MANIFEST_FILE));
  if (!manifestBytes) throw new Refused('no manifest.json');
  const id = imageIdOf(manifestBytes);
  if (options.expectedId && id !== options.expectedId) {
    throw new Refused(`manifest.json sha256 is ${id}, expected image id ${options.expectedId} (the manifest was changed)`);
  }
  const signature = await readOptional(join(root, SIGNATURE_FILE));
  if (!signature) throw new Refused('manifest is unsigned (no manifest.json.asc)');
  if (trust.keys.length === 0) throw new Refused('no trusted keys (images/keys/*.asc, <data>/trust/*.asc)');
  const verdict = await verifyDetached(
    trust.keys.map((k) => k.armored),
    manifestBytes,
    signature.toString('utf8'),
  );
  if (!verdict.ok) throw new Refused(`manifest signature: ${verdict.reason}`);
  const parsed = parseImageManifest(manifestBytes);
  if (!parsed.ok) throw new Refused(parsed.reason);
  const manifest = parsed.manifest;
  checkTree(root, manifest, entries);
  const limit = createLimiter(HASH_PARALLELISM);
  await Promise.all(
    manifest.files.map((file) =>
      limit(async () => {
        const got = await sha256File(join(root, file.path));
        if (got.size !== file.size) throw new Refused(`size of ${file.path} is ${got.size} bytes, the manifest says ${file.size}`);
        if (got.sha256 !== file.sha256) throw new Refused(`sha256 of ${file.path} is ${got.sha256}, the manifest says ${file.sha256} (modified)`);
      }),
    ),
  );
  const after = await walkTree(root);
  const fingerprint = treeFingerprint(after, trustDigest(trust));
  if (fingerprint !== treeFingerprint(entries, trustDigest(trust))) throw new Refused('the image changed while it was being verified');
  return { id, dir: root, manifest, signedBy: verdict.fingerprint, treeFingerprint: fingerprint, verifiedAt: new Date().toISOString() };
}

/**
 * Verifies an image folder: manifest.json signed (manifest.json.asc) by a trusted key,
 * every path safe, every listed file present with its size, mode and sha256, and
 * nothing else (no symlinks, no unlisted files). Throws ENCODER_UNVERIFIED with the
 * precise reason; never falls back to anything.
 */
export async function verifyImageDir(dir: string, trust: TrustedKeys, options: VerifyOptions): Promise<VerifiedImage> {
  let root = dir;
  try {
    root = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
      throw new Refused(err.code === 'ENOENT' ? `image folder ${dir} does not exist` : `cannot open image folder ${dir}: ${err.message}`);
    });
    const entries = await walkTree(root);
    const key = `${root}\0${options.expectedId ?? ''}`;
    if (options.mode === 'cached') {
      const cached = verified.get(key);
      if (cached && cached.treeFingerprint === treeFingerprint(entries, trustDigest(trust))) return cached;
    }
    verified.delete(key);
    const image = await verifyUncached(root, trust, options, entries);
    verified.set(key, image);
    return image;
  } catch (err) {
    const reason = err instanceof Refused ? err.reason : `cannot verify: ${(err as Error).message}`;
    throw encoderUnverified({ imageId: options.expectedId ?? null, dir: root, reason, stage: options.stage });
  }
}

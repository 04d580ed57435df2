import { realpath } from 'node:fs/promises';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import { treeFingerprint, walkTree } from '../signed-tree/tree-walk.js';
import { TreeRefused, trustDigest, verifySignedTree, type SignedTreeKind } from '../signed-tree/verify-signed-tree.js';
import type { EncoderImageManifest } from './encoder-image-manifest.js';
import { encoderUnverified, type VerificationFailure } from './image-errors.js';
import { imageIdOf, MANIFEST_FILE, parseImageManifest, SIGNATURE_FILE } from './image-manifest.js';

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

/** An encoder image as a signed tree: manifest.json + manifest.json.asc. */
export const IMAGE_TREE: SignedTreeKind<EncoderImageManifest> = {
  noun: 'image',
  manifestFile: MANIFEST_FILE,
  signatureFile: SIGNATURE_FILE,
  idOf: imageIdOf,
  parse: parseImageManifest,
};

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
      throw new TreeRefused(err.code === 'ENOENT' ? `image folder ${dir} does not exist` : `cannot open image folder ${dir}: ${err.message}`);
    });
    const entries = await walkTree(root);
    const key = `${root}\0${options.expectedId ?? ''}`;
    const fingerprint = treeFingerprint(entries, trustDigest(trust));
    if (options.mode === 'cached') {
      const cached = verified.get(key);
      if (cached && cached.treeFingerprint === fingerprint) return cached;
    }
    verified.delete(key);
    const tree = await verifySignedTree(IMAGE_TREE, root, trust, { entries, ...(options.expectedId ? { expectedId: options.expectedId } : {}) });
    const image: VerifiedImage = {
      id: tree.id,
      dir: root,
      manifest: tree.manifest,
      signedBy: tree.signedBy,
      treeFingerprint: fingerprint,
      verifiedAt: new Date().toISOString(),
    };
    verified.set(key, image);
    return image;
  } catch (err) {
    const reason = err instanceof TreeRefused ? err.reason : `cannot verify: ${(err as Error).message}`;
    throw encoderUnverified({ imageId: options.expectedId ?? null, dir: root, reason, stage: options.stage });
  }
}

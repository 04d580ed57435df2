import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../hashing/file-sha256.js';
import { verifyDetached } from '../signing/openpgp-keys.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import { createLimiter } from './limiter.js';
import { formatMode } from './tree-path.js';
import { symlinkEscapes, treeFingerprint, walkTree, type TreeEntry } from './tree-walk.js';

/**
 * A signed, hash-pinned tree: a folder whose manifest (one JSON file) lists every other
 * regular file with its size, mode and sha256, signed by a detached OpenPGP signature
 * beside it. Encoder images and bundled components are such trees; this is their one
 * verification.
 */
export interface TreeManifest {
  files: ReadonlyArray<{ path: string; size: number; sha256: string; mode: string }>;
}

export interface SignedTreeKind<M extends TreeManifest> {
  /** What the tree is, in messages: `image`, `component`. */
  noun: string;
  manifestFile: string;
  signatureFile: string;
  /** The tree's id from its manifest bytes (their sha256). */
  idOf(manifestBytes: Uint8Array): string;
  parse(manifestBytes: Uint8Array): { ok: true; manifest: M } | { ok: false; reason: string };
}

export interface VerifiedTree<M extends TreeManifest> {
  id: string;
  manifest: M;
  /** Fingerprint of the trusted key that signed the manifest. */
  signedBy: string;
  /** The entries as they were when verification began (see treeFingerprint). */
  entries: TreeEntry[];
}

/** Why a tree was refused: the reason, and the tree's id once its manifest was read. */
export class TreeRefused extends Error {
  constructor(
    readonly reason: string,
    readonly id: string | null = null,
  ) {
    super(reason);
    this.name = 'TreeRefused';
  }
}

const HASH_PARALLELISM = 2;

/** A digest of the trusted keys, for fingerprints that must change when trust changes. */
export function trustDigest(trust: TrustedKeys): string {
  return trust.keys
    .map((k) => k.fingerprint)
    .sort()
    .join(',');
}

async function readOptional(path: string): Promise<Buffer | null> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new TreeRefused(`cannot read ${path}: ${err.message}`);
  });
}

/** No symlinks or special files, every listed file present with its size and mode, nothing unlisted. */
function checkEntries<M extends TreeManifest>(kind: SignedTreeKind<M>, root: string, manifest: M, entries: readonly TreeEntry[]): void {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    if (e.kind === 'symlink') {
      throw new TreeRefused(
        symlinkEscapes(root, e.path, e.target ?? '')
          ? `symlink ${e.path} points outside the ${kind.noun} (-> ${e.target})`
          : `unexpected symlink ${e.path} (-> ${e.target}); ${kind.noun === 'image' ? 'an' : 'a'} ${kind.noun} holds regular files only`,
      );
    }
    if (e.kind === 'other') throw new TreeRefused(`${e.path} is not a regular file or folder`);
  }
  for (const file of manifest.files) {
    const e = byPath.get(file.path);
    if (!e) throw new TreeRefused(`missing file ${file.path}`);
    if (e.kind !== 'file') throw new TreeRefused(`${file.path} is a ${e.kind === 'dir' ? 'folder' : e.kind}, the manifest lists a regular file`);
    if (e.size !== file.size) throw new TreeRefused(`size of ${file.path} is ${e.size} bytes, the manifest says ${file.size} (modified)`);
    if (formatMode(e.mode) !== file.mode) throw new TreeRefused(`mode of ${file.path} is ${formatMode(e.mode)}, the manifest says ${file.mode}`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const e of entries) {
    if (e.kind === 'file' && !listed.has(e.path) && e.path !== kind.manifestFile && e.path !== kind.signatureFile) {
      throw new TreeRefused(`unexpected file ${e.path} (not in ${kind.manifestFile})`);
    }
  }
}

/**
 * Verifies the tree at `root` (a real path) in full: the manifest signed by a trusted key,
 * a valid manifest (its `parse`), every listed file present as a regular file with its
 * size, mode and sha256, no symlinks, no unlisted files, and no change while verifying.
 * Throws TreeRefused with the precise reason; never falls back to anything.
 */
export async function verifySignedTree<M extends TreeManifest>(
  kind: SignedTreeKind<M>,
  root: string,
  trust: TrustedKeys,
  options: { expectedId?: string; entries?: TreeEntry[] } = {},
): Promise<VerifiedTree<M>> {
  const entries = options.entries ?? (await walkTree(root));
  const manifestBytes = await readOptional(join(root, kind.manifestFile));
  if (!manifestBytes) throw new TreeRefused(`no ${kind.manifestFile}`);
  const id = kind.idOf(manifestBytes);
  if (options.expectedId && id !== options.expectedId) {
    throw new TreeRefused(`${kind.manifestFile} sha256 is ${id}, expected ${kind.noun} id ${options.expectedId} (the manifest was changed)`, id);
  }
  const signature = await readOptional(join(root, kind.signatureFile));
  if (!signature) throw new TreeRefused(`${kind.manifestFile} is unsigned (no ${kind.signatureFile})`, id);
  if (trust.keys.length === 0) throw new TreeRefused('no trusted keys (images/keys/*.asc, <data>/trust/*.asc)', id);
  const verdict = await verifyDetached(
    trust.keys.map((k) => k.armored),
    manifestBytes,
    signature.toString('utf8'),
  );
  if (!verdict.ok) throw new TreeRefused(`${kind.manifestFile} signature: ${verdict.reason}`, id);
  const parsed = kind.parse(manifestBytes);
  if (!parsed.ok) throw new TreeRefused(parsed.reason, id);
  const manifest = parsed.manifest;
  try {
    checkEntries(kind, root, manifest, entries);
    const limit = createLimiter(HASH_PARALLELISM);
    await Promise.all(
      manifest.files.map((file) =>
        limit(async () => {
          const got = await sha256File(join(root, file.path));
          if (got.size !== file.size) throw new TreeRefused(`size of ${file.path} is ${got.size} bytes, the manifest says ${file.size} (modified)`);
          if (got.sha256 !== file.sha256) throw new TreeRefused(`sha256 of ${file.path} is ${got.sha256}, the manifest says ${file.sha256} (modified)`);
        }),
      ),
    );
    if (treeFingerprint(await walkTree(root)) !== treeFingerprint(entries)) throw new TreeRefused(`the ${kind.noun} changed while it was being verified`);
  } catch (err) {
    throw err instanceof TreeRefused ? new TreeRefused(err.reason, id) : err;
  }
  return { id, manifest, signedBy: verdict.fingerprint, entries };
}

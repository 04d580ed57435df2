import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { createLimiter } from '../../images/debian-recipe/concurrency.js';
import { sha256File } from '../../hashing/file-sha256.js';
import { formatMode } from '../../images/debian-recipe/manifest.js';
import { symlinkEscapes, treeFingerprint, walkTree, type TreeEntry } from '../../images/image-tree.js';
import type { TrustedKeys } from '../../images/trusted-keys.js';
import { verifyDetached } from '../../signing/openpgp-keys.js';
import { componentUnverified } from './component-errors.js';
import { COMPONENT_FILE, COMPONENT_SIGNATURE_FILE, componentIdOf, parseComponentManifest, type ComponentManifest } from './component-manifest.js';

/** A component folder whose signature, paths and file hashes all checked out. */
export interface VerifiedComponent {
  /** sha256 of component.json. */
  id: string;
  /** Real path of the component folder. */
  dir: string;
  manifest: ComponentManifest;
  /** Fingerprint of the trusted key that signed component.json. */
  signedBy: string;
  verifiedAt: string;
}

class Refused extends Error {
  constructor(
    readonly reason: string,
    readonly id: string | null = null,
  ) {
    super(reason);
  }
}

async function readOptional(path: string): Promise<Buffer | null> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new Refused(`cannot read ${path}: ${err.message}`);
  });
}

/** No symlinks or special files, every listed file present with its size and mode, nothing unlisted. */
function checkTree(root: string, manifest: ComponentManifest, entries: readonly TreeEntry[]): void {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    if (e.kind === 'symlink') {
      throw new Refused(
        symlinkEscapes(root, e.path, e.target ?? '')
          ? `symlink ${e.path} points outside the component (-> ${e.target})`
          : `unexpected symlink ${e.path} (-> ${e.target}); a component holds regular files only`,
      );
    }
    if (e.kind === 'other') throw new Refused(`${e.path} is not a regular file or folder`);
  }
  for (const file of manifest.files) {
    const e = byPath.get(file.path);
    if (!e) throw new Refused(`missing file ${file.path}`);
    if (e.kind !== 'file') throw new Refused(`${file.path} is a folder, the manifest lists a regular file`);
    if (e.size !== file.size) throw new Refused(`size of ${file.path} is ${e.size} bytes, the manifest says ${file.size} (modified)`);
    if (formatMode(e.mode) !== file.mode) throw new Refused(`mode of ${file.path} is ${formatMode(e.mode)}, the manifest says ${file.mode}`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const e of entries) {
    if (e.kind === 'file' && !listed.has(e.path) && e.path !== COMPONENT_FILE && e.path !== COMPONENT_SIGNATURE_FILE) {
      throw new Refused(`unexpected file ${e.path} (not in ${COMPONENT_FILE})`);
    }
  }
}

/**
 * Verifies a component folder in full (every file re-hashed; the supervisor calls this before
 * every launch): component.json signed (component.json.asc, detached OpenPGP) by a trusted key,
 * a valid manifest, every listed path safe and present as a regular file with its size, mode and
 * sha256, no symlinks, no unlisted files, and no change while verifying. Throws
 * COMPONENT_UNVERIFIED with the precise reason; never falls back to anything.
 */
export async function verifyComponentDir(dir: string, trust: TrustedKeys): Promise<VerifiedComponent> {
  let root = dir;
  try {
    root = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
      throw new Refused(err.code === 'ENOENT' ? `component folder ${dir} does not exist` : `cannot open component folder ${dir}: ${err.message}`);
    });
    const entries = await walkTree(root);
    const manifestBytes = await readOptional(join(root, COMPONENT_FILE));
    if (!manifestBytes) throw new Refused(`no ${COMPONENT_FILE}`);
    const id = componentIdOf(manifestBytes);
    const signature = await readOptional(join(root, COMPONENT_SIGNATURE_FILE));
    if (!signature) throw new Refused(`${COMPONENT_FILE} is unsigned (no ${COMPONENT_SIGNATURE_FILE})`, id);
    if (trust.keys.length === 0) throw new Refused('no trusted keys (images/keys/*.asc, <data>/trust/*.asc)', id);
    const verdict = await verifyDetached(
      trust.keys.map((k) => k.armored),
      manifestBytes,
      signature.toString('utf8'),
    );
    if (!verdict.ok) throw new Refused(`${COMPONENT_FILE} signature: ${verdict.reason}`, id);
    const parsed = parseComponentManifest(manifestBytes);
    if (!parsed.ok) throw new Refused(parsed.reason, id);
    const manifest = parsed.manifest;
    try {
      checkTree(root, manifest, entries);
      const limit = createLimiter(2);
      await Promise.all(
        manifest.files.map((file) =>
          limit(async () => {
            const got = await sha256File(join(root, file.path));
            if (got.size !== file.size) throw new Refused(`size of ${file.path} is ${got.size} bytes, the manifest says ${file.size} (modified)`);
            if (got.sha256 !== file.sha256) throw new Refused(`sha256 of ${file.path} is ${got.sha256}, the manifest says ${file.sha256} (modified)`);
          }),
        ),
      );
      if (treeFingerprint(await walkTree(root)) !== treeFingerprint(entries)) throw new Refused('the component changed while it was being verified');
    } catch (err) {
      throw err instanceof Refused ? new Refused(err.reason, id) : err;
    }
    return { id, dir: root, manifest, signedBy: verdict.fingerprint, verifiedAt: new Date().toISOString() };
  } catch (err) {
    if (err instanceof Refused) throw componentUnverified(root, err.reason, err.id);
    throw componentUnverified(root, `cannot verify: ${(err as Error).message}`);
  }
}

import { realpath } from 'node:fs/promises';
import type { TrustedKeys } from '../../signing/trusted-keys.js';
import { TreeRefused, verifySignedTree, type SignedTreeKind } from '../../signed-tree/verify-signed-tree.js';
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

/** A bundled component as a signed tree: component.json + component.json.asc. */
export const COMPONENT_TREE: SignedTreeKind<ComponentManifest> = {
  noun: 'component',
  manifestFile: COMPONENT_FILE,
  signatureFile: COMPONENT_SIGNATURE_FILE,
  idOf: componentIdOf,
  parse: parseComponentManifest,
};

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
      throw new TreeRefused(err.code === 'ENOENT' ? `component folder ${dir} does not exist` : `cannot open component folder ${dir}: ${err.message}`);
    });
    const tree = await verifySignedTree(COMPONENT_TREE, root, trust);
    return { id: tree.id, dir: root, manifest: tree.manifest, signedBy: tree.signedBy, verifiedAt: new Date().toISOString() };
  } catch (err) {
    if (err instanceof TreeRefused) throw componentUnverified(root, err.reason, err.id);
    throw componentUnverified(root, `cannot verify: ${(err as Error).message}`);
  }
}

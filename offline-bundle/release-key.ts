import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { generateSigningKey, publicArmoredOf } from '../src/signing/openpgp-keys.js';

export interface ReleaseKey {
  privateArmored: string;
  publicArmored: string;
  fingerprint: string;
  /** When the key was made: signatures are dated no earlier (OpenPGP refuses a signature older than its key). */
  createdEpoch: number;
}

async function describe(privateArmored: string): Promise<ReleaseKey> {
  const key = await openpgp.readPrivateKey({ armoredKey: privateArmored });
  if (!key.isDecrypted()) throw new Error('the release key is passphrase-protected: export an unprotected copy onto the (offline) build host for the build');
  return {
    privateArmored,
    publicArmored: await publicArmoredOf(privateArmored),
    fingerprint: key.getFingerprint().toUpperCase(),
    createdEpoch: Math.floor(key.getCreationTime().getTime() / 1000),
  };
}

/** The release key from an armored private key file (`--key` / MPEGFLOW_RELEASE_KEY). */
export function loadReleaseKey(path: string): Promise<ReleaseKey> {
  return describe(readFileSync(path, 'utf8'));
}

/** A throwaway ed25519 release key for tests and CI, written to `dir` as release.key.asc (private) and release.pub.asc. */
export async function throwawayReleaseKey(dir: string): Promise<ReleaseKey> {
  const key = await generateSigningKey({ name: 'MpegFlow throwaway release key (tests only)' });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'release.key.asc'), key.privateArmored, { mode: 0o600 });
  writeFileSync(join(dir, 'release.pub.asc'), key.publicArmored, { mode: 0o644 });
  return describe(key.privateArmored);
}

/**
 * A detached armored signature dated `epoch` (not now), so signing the same bytes with
 * the same key gives the same signature (ed25519 is deterministic; no random salt notation), and the bundle that
 * carries the signature stays byte-identical across builds.
 */
export async function signDetachedAt(key: ReleaseKey, data: Uint8Array, epoch: number): Promise<string> {
  const signingKeys = await openpgp.readPrivateKey({ armoredKey: key.privateArmored });
  const message = await openpgp.createMessage({ binary: data });
  const date = new Date(Math.max(epoch, key.createdEpoch) * 1000);
  // OpenPGP.js salts v4 signatures with a random notation by default; the bundle's must be reproducible.
  return openpgp.sign({ message, signingKeys, detached: true, format: 'armored', date, config: { nonDeterministicSignaturesViaNotation: false } });
}

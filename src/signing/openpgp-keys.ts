import * as openpgp from 'openpgp';
import { ApplianceError } from '../errors/appliance-error.js';

/**
 * OpenPGP signing keys: ed25519 **v4** keys (`ed25519Legacy`), which GnuPG 2.2 verifies
 * (v6 keys and the curve25519 algorithm 27 it cannot).
 */
export interface SigningKey {
  privateArmored: string;
  publicArmored: string;
  fingerprint: string;
}

export async function generateSigningKey(userId: { name: string; email?: string }): Promise<SigningKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [userId],
    subkeys: [],
    format: 'armored',
    config: { v6Keys: false },
  });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return { privateArmored: privateKey, publicArmored: publicKey, fingerprint: key.getFingerprint().toUpperCase() };
}

export async function fingerprintOf(armoredKey: string): Promise<string> {
  const key = await openpgp.readKey({ armoredKey });
  return key.getFingerprint().toUpperCase();
}

/** A detached, armored signature over `data`. */
export async function signDetached(privateArmored: string, data: Uint8Array): Promise<string> {
  const signingKeys = await openpgp.readPrivateKey({ armoredKey: privateArmored });
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys, detached: true, format: 'armored' });
}

/** Verifies a detached signature against any of the trusted public keys. */
export async function verifyDetached(
  trustedArmored: string[],
  data: Uint8Array,
  signatureArmored: string,
): Promise<{ ok: true; fingerprint: string } | { ok: false; reason: string }> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: signatureArmored });
  } catch (err) {
    return { ok: false, reason: `signature is not a readable OpenPGP signature (${(err as Error).message})` };
  }
  const keys = await Promise.all(trustedArmored.map((armoredKey) => openpgp.readKey({ armoredKey })));
  if (keys.length === 0) return { ok: false, reason: 'no trusted keys' };
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, expectSigned: false });
  for (const s of result.signatures) {
    try {
      await s.verified;
      const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
      return { ok: true, fingerprint: key ? key.getFingerprint().toUpperCase() : s.keyID.toHex().toUpperCase() };
    } catch (err) {
      const why = (err as Error).message;
      return { ok: false, reason: /Could not find signing key/i.test(why) ? 'signed by a key that is not trusted' : `signature does not verify (${why})` };
    }
  }
  return { ok: false, reason: 'no signature found' };
}

export function assertSignatureOk(result: Awaited<ReturnType<typeof verifyDetached>>, what: string): void {
  if (!result.ok) throw new ApplianceError('SIGNATURE_INVALID', `${what}: ${result.reason}`);
}

/** The armored public key of an armored private key. */
export async function publicArmoredOf(privateArmored: string): Promise<string> {
  const key = await openpgp.readPrivateKey({ armoredKey: privateArmored });
  return key.toPublic().armor();
}

import * as openpgp from 'openpgp';

/**
 * Binary (unarmored) detached OpenPGP signatures, for records that carry their signature
 * on the same line as base64 (`gpg --verify SIG DATA` reads the decoded bytes as they are).
 */

/** A detached binary signature over `data` by the (decrypted) private key. */
export async function signDetachedBinary(signingKey: openpgp.PrivateKey, data: Uint8Array): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: signingKey, detached: true, format: 'binary' });
}

export type BinarySignatureVerdict =
  | { ok: true; fingerprint: string }
  /** `foreign`: well-formed, but made by a key other than the trusted one (its key id in `signer`). */
  | { ok: false; foreign: boolean; signer: string | null; reason: string };

/** Verifies a detached binary signature against the one trusted public key. */
export async function verifyDetachedBinary(trusted: openpgp.PublicKey, data: Uint8Array, signatureBytes: Uint8Array): Promise<BinarySignatureVerdict> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: signatureBytes });
  } catch (err) {
    return { ok: false, foreign: false, signer: null, reason: `not a readable OpenPGP signature (${(err as Error).message})` };
  }
  const signers = signature.getSigningKeyIDs();
  const signer = signers[0]?.toHex().toUpperCase() ?? null;
  if (signers.length > 0 && !signers.some((id) => trusted.getKeys(id).length > 0)) {
    return { ok: false, foreign: true, signer, reason: `signed by key ${signer ?? '(unknown)'}, not the audit key ${trusted.getFingerprint().toUpperCase()}` };
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: trusted, expectSigned: false });
  const first = result.signatures[0];
  if (!first) return { ok: false, foreign: false, signer, reason: 'no signature found' };
  try {
    await first.verified;
    return { ok: true, fingerprint: trusted.getFingerprint().toUpperCase() };
  } catch (err) {
    return { ok: false, foreign: false, signer, reason: `signature does not verify (${(err as Error).message})` };
  }
}

export async function readPrivateKey(armoredKey: string): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ armoredKey });
}

export async function readPublicKey(armoredKey: string): Promise<openpgp.PublicKey> {
  return (await openpgp.readKey({ armoredKey })).toPublic();
}

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ApplianceError } from '../errors/appliance-error.js';

/** A server certificate (with its chain) and its key, checked: they match and the certificate is valid now. */
export interface TlsMaterial {
  /** PEM: the leaf, then the chain (what the server sends). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** sha256 of the leaf's DER, `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  /** Its DNS names and IP addresses (subjectAltName). */
  names: string[];
  /** Where it came from (paths), for messages and the audit. */
  source: { certFile: string; keyFile: string; chainFile: string | null };
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  chainFile?: string | null;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApplianceError('TLS_FILE_UNREADABLE', `${what} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      details: { path },
    });
  }
}

function parseCertificate(pem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new ApplianceError('TLS_CERT_INVALID', `TLS certificate ${path}: not a PEM X.509 certificate (${(err as Error).message})`, { details: { path } });
  }
}

function parseKey(pem: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new ApplianceError('TLS_KEY_INVALID', `TLS key ${path}: not a PEM private key, or encrypted (${(err as Error).message})`, { details: { path } });
  }
}

/** The DNS names and IP addresses of a certificate's subjectAltName. */
export function certificateNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1]?.trim())
    .filter((n): n is string => !!n);
}

/** Whether the certificate is good for `name` (a DNS name or an IP address). */
export function certificateCovers(cert: X509Certificate, name: string): boolean {
  return isIP(name) === 0 ? cert.checkHost(name) !== undefined : cert.checkIP(name) !== undefined;
}

/**
 * Reads and checks a certificate, its key and an optional chain: each a clear error with a
 * stable code (unreadable, not a certificate, not a key, key of another certificate, expired,
 * not yet valid). Nothing is served from files that fail.
 */
export function readTlsMaterial(files: TlsFiles, now: Date = new Date()): TlsMaterial {
  const certPem = readText(files.certFile, 'TLS certificate');
  const keyPem = readText(files.keyFile, 'TLS key');
  const chainPem = files.chainFile ? readText(files.chainFile, 'TLS chain') : '';
  const leaf = parseCertificate(certPem, files.certFile);
  if (files.chainFile) parseCertificate(chainPem, files.chainFile);
  const key = parseKey(keyPem, files.keyFile);
  if (!leaf.checkPrivateKey(key)) {
    throw new ApplianceError('TLS_KEY_MISMATCH', `TLS key ${files.keyFile} is not the key of the certificate ${files.certFile}`, {
      details: { certFile: files.certFile, keyFile: files.keyFile },
    });
  }
  const validFrom = new Date(leaf.validFrom);
  const validTo = new Date(leaf.validTo);
  if (now < validFrom) {
    throw new ApplianceError('TLS_CERT_NOT_YET_VALID', `TLS certificate ${files.certFile} is not valid before ${validFrom.toISOString()}`, {
      details: { path: files.certFile, validFrom: validFrom.toISOString() },
    });
  }
  if (now > validTo) {
    throw new ApplianceError('TLS_CERT_EXPIRED', `TLS certificate ${files.certFile} expired at ${validTo.toISOString()}`, {
      details: { path: files.certFile, validTo: validTo.toISOString() },
    });
  }
  const leafPem = leaf.toString();
  return {
    cert: files.chainFile ? `${leafPem.trimEnd()}\n${chainPem.trim()}\n` : `${leafPem.trimEnd()}\n`,
    key: keyPem,
    fingerprint256: leaf.fingerprint256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    validFrom,
    validTo,
    names: certificateNames(leaf),
    source: { certFile: files.certFile, keyFile: files.keyFile, chainFile: files.chainFile ?? null },
  };
}

/** The sha256 fingerprint (`AB:CD:…`) of a PEM certificate. */
export function fingerprintOfPem(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

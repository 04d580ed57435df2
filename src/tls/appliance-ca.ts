// reflect-metadata first: @peculiar/x509's dependency injection (tsyringe) needs the polyfill
// installed before the library loads, and ES modules evaluate imports in order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256 with SHA-256: what every TLS 1.3 client accepts, and small and fast to sign. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** The appliance CA lives ten years; the server certificates it issues, one (reissued 30 days before they lapse). */
export const CA_DAYS = 3650;
export const SERVER_DAYS = 365;

export interface PemPair {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

async function importPkcs8(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALGORITHM, false, ['sign']);
}

/** 16 random bytes, top bit clear (a positive serial, RFC 5280 § 4.1.2.2). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** A distinguished-name value: printable, no DN syntax characters. */
function dnValue(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._-]/g, '-').slice(0, 64);
}

/** The appliance-local CA: self-signed, may sign end-entity certificates only (path length 0). */
export async function generateApplianceCa(options: { commonName: string; now?: Date }): Promise<PemPair> {
  const now = options.now ?? new Date();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${dnValue(options.commonName)}, O=MpegFlow Appliance`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await pkcs8Pem(keys.privateKey) };
}

/** A TLS server certificate for `names` (DNS names and IP addresses), signed by the appliance CA. */
export async function issueServerCertificate(ca: PemPair, names: readonly string[], now: Date = new Date()): Promise<PemPair> {
  if (names.length === 0) throw new TypeError('a server certificate needs at least one name');
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importPkcs8(ca.key);
  const keys = await newKeys();
  const dns = names.filter((n) => isIP(n) === 0);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${dnValue(dns[0] ?? names[0]!)}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + SERVER_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIP(n) === 0 ? { type: 'dns' as const, value: n } : { type: 'ip' as const, value: n })),
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await pkcs8Pem(keys.privateKey) };
}

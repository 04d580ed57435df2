// The appliance CA, the server certificates it issues, and the checks any certificate and key get.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateApplianceCa, issueServerCertificate } from '../../src/tls/appliance-ca.js';
import { readTlsMaterial } from '../../src/tls/tls-material.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('mpegflow-tls-');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ApplianceError);
    return (err as ApplianceError).code;
  }
  throw new Error('did not throw');
};

test('the appliance CA is a CA (path length 0) and issues a server certificate for DNS names and IP addresses', async () => {
  const ca = await generateApplianceCa({ commonName: 'MpegFlow appliance CA test-host' });
  const caCert = new X509Certificate(ca.cert);
  assert.ok(caCert.ca, 'basicConstraints cA');
  assert.ok(caCert.verify(caCert.publicKey), 'self-signed');
  const server = await issueServerCertificate(ca, ['localhost', 'appliance.example', '127.0.0.1', '::1']);
  const cert = new X509Certificate(server.cert);
  assert.not.ok(cert.ca);
  assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'signed by the CA');
  assert.ok(cert.checkHost('appliance.example'));
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.ok(cert.checkIP('::1'));
  assert.not.ok(cert.checkHost('other.example'));
  assert.match(cert.keyUsage?.join(' ') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'extendedKeyUsage serverAuth');
  const days = (Date.parse(cert.validTo) - Date.now()) / 86400e3;
  assert.ok(days > 360 && days < 366, `a year (${days} days)`);

  const material = readTlsMaterial({ certFile: write('server.crt', server.cert), keyFile: write('server.key', server.key) });
  assert.is(material.fingerprint256, cert.fingerprint256);
  assert.equal(material.names, ['localhost', 'appliance.example', '127.0.0.1', '0:0:0:0:0:0:0:1']);
  // With a chain, the leaf comes first.
  const chained = readTlsMaterial({ certFile: write('leaf.crt', server.cert), keyFile: write('leaf.key', server.key), chainFile: write('chain.crt', ca.cert) });
  assert.ok(chained.cert.indexOf(server.cert.trim().split('\n')[1]!) < chained.cert.indexOf(ca.cert.trim().split('\n')[1]!));
});

test('bad certificates and keys: each a stable code, never served', async () => {
  const ca = await generateApplianceCa({ commonName: 'CA' });
  const a = await issueServerCertificate(ca, ['localhost']);
  const b = await issueServerCertificate(ca, ['localhost']);
  const certA = write('a.crt', a.cert);
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: certA, keyFile: write('b.key', b.key) })),
    'TLS_KEY_MISMATCH',
  );
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: join(dir, 'missing.crt'), keyFile: write('a.key', a.key) })),
    'TLS_FILE_UNREADABLE',
  );
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: write('junk.crt', 'not a certificate\n'), keyFile: join(dir, 'a.key') })),
    'TLS_CERT_INVALID',
  );
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: certA, keyFile: write('junk.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') })),
    'TLS_KEY_INVALID',
  );
  // Expired and not yet valid: issued with the clock elsewhere.
  const old = await issueServerCertificate(ca, ['localhost'], new Date(Date.now() - 400 * 86400e3));
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: write('old.crt', old.cert), keyFile: write('old.key', old.key) })),
    'TLS_CERT_EXPIRED',
  );
  const future = await issueServerCertificate(ca, ['localhost'], new Date(Date.now() + 2 * 86400e3));
  assert.is(
    codeOf(() => readTlsMaterial({ certFile: write('future.crt', future.cert), keyFile: write('future.key', future.key) })),
    'TLS_CERT_NOT_YET_VALID',
  );
});

test.run();

// The operator port's certificate across starts: the CA made once, the server certificate
// issued once and kept, reissued only for new names, another CA, or its last 30 days.
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareServerTls } from '../../appliance/boot-tls.js';
import { dataLayout } from '../../appliance/data-layout.js';
import { tempDir } from '../helpers/temp-dir.js';

const tls = (hostnames: string[]) => ({ mode: 'appliance-ca' as const, hostnames, minVersion: 'TLSv1.3' as const });
const DAY = 86400e3;

test('a second start keeps the certificate; new names, the last 30 days or a new CA reissue it', async () => {
  const layout = dataLayout(join(tempDir('mpegflow-boot-tls-'), 'data'));
  const names = ['localhost', 'encoder-01', '127.0.0.1', '::1'];
  const first = await prepareServerTls(tls(names), layout);
  assert.equal(
    first.facts.map((f) => f.type),
    ['tls.ca_created', 'tls.certificate_issued'],
  );
  assert.is((statSync(layout.tlsCaKey).mode & 0o777).toString(8), '600');
  assert.is((statSync(layout.tlsServerKey).mode & 0o777).toString(8), '600');
  // The served chain is the leaf, then the CA.
  assert.ok(first.material.cert.includes(readFileSync(layout.tlsCaCert, 'utf8').trim().split('\n')[1]!));

  const again = await prepareServerTls(tls(names), layout);
  assert.equal(again.facts, []);
  assert.is(again.material.fingerprint256, first.material.fingerprint256);
  assert.is(again.caFingerprint, first.caFingerprint);

  const renamed = await prepareServerTls(tls([...names, 'appliance.example']), layout);
  assert.equal(
    renamed.facts.map((f) => [f.type, 'reason' in f ? f.reason : '']),
    [['tls.certificate_issued', 'new names: appliance.example']],
  );
  assert.ok(new X509Certificate(readFileSync(layout.tlsServerCert)).checkHost('appliance.example'));

  const late = await prepareServerTls(tls([...names, 'appliance.example']), layout, new Date(Date.now() + 340 * DAY));
  assert.equal(
    late.facts.map((f) => ('reason' in f ? f.reason : f.type)),
    ['expires within 30 days'],
  );

  // A new CA (its files removed, so a new one is made): the old certificate is not its own.
  rmSync(layout.tlsCaCert);
  const reissued = await prepareServerTls(tls(names), layout);
  assert.equal(
    reissued.facts.map((f) => ('reason' in f ? f.reason : f.type)),
    ['tls.ca_created', 'issued by another CA'],
  );
});

test.run();

import { existsSync, readFileSync } from 'node:fs';
import { dataLayout } from '../../appliance/data-layout.js';
import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { fingerprintOfPem } from '../tls/tls-material.js';

/**
 * `mpegflow tls ca-cert`: the appliance CA's certificate (PEM) on stdout, for operators to
 * trust (`curl --cacert`, the browser, `mpegflow submit --ca`); its fingerprint on stderr,
 * to compare with the one `mpegflow start` printed.
 */
export function tlsCaCertCommand(print: (line: string) => void, config: Config, stderr: { write(s: string): unknown }): number {
  if (config.tls.mode !== 'appliance-ca') {
    const why =
      config.tls.mode === 'facility' ? `the operator port serves the facility's certificate (${config.tls.certFile})` : 'the operator port is plain HTTP';
    throw new ApplianceError('TLS_CA_UNAVAILABLE', `no appliance CA: ${why}`);
  }
  const path = dataLayout(config.dataDir).tlsCaCert;
  if (!existsSync(path)) throw new ApplianceError('NOT_INITIALIZED', `no appliance CA at ${path} yet: run mpegflow init or mpegflow start first`);
  const pem = readFileSync(path, 'utf8');
  print(pem.trimEnd());
  stderr.write(`TLS CA fingerprint (sha256): ${fingerprintOfPem(pem)}\n`);
  return 0;
}

import { readFileSync } from 'node:fs';
import { ApplianceError } from '../errors/appliance-error.js';

/** A CA file the appliance verifies a peer against (S3, webhooks): readable PEM certificates, or an error naming the setting and the file. */
export function readCaFile(path: string, setting: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApplianceError('TLS_FILE_UNREADABLE', `${setting} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      details: { path },
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new ApplianceError('TLS_CERT_INVALID', `${setting} ${path}: no PEM certificate in it`, { details: { path } });
  return pem;
}

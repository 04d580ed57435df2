import { join } from 'node:path';

/** Every byte the appliance keeps lives under the data dir, in this layout (SPEC.md). */
export interface DataLayout {
  root: string;
  database: string;
  objects: string;
  images: string;
  secrets: string;
  trust: string;
  scratch: string;
  backups: string;
  /** The signed chain heads, appended to (docs/audit-heads.md). */
  auditHeads: string;
  auditKey: string;
  auditPublicKey: string;
  adminToken: string;
  /** The first admin account's generated password (`admin`), written once at init. */
  adminPassword: string;
  /** TLS of the operator port: the appliance CA's certificate (`mpegflow tls ca-cert`) and the server certificate it issued. */
  tls: string;
  tlsCaCert: string;
  tlsServerCert: string;
  /** Their private keys, with the other secrets (0600). */
  tlsCaKey: string;
  tlsServerKey: string;
}

export function dataLayout(root: string): DataLayout {
  const secrets = join(root, 'secrets');
  return {
    root,
    database: join(root, 'mpegflow.db'),
    objects: join(root, 'objects'),
    images: join(root, 'images'),
    secrets,
    trust: join(root, 'trust'),
    scratch: join(root, 'scratch'),
    backups: join(root, 'backups'),
    auditHeads: join(root, 'audit-heads.log'),
    auditKey: join(secrets, 'audit-key.asc'),
    auditPublicKey: join(root, 'trust', 'audit-key.pub.asc'),
    adminToken: join(secrets, 'admin.token'),
    adminPassword: join(secrets, 'admin.password'),
    tls: join(root, 'tls'),
    tlsCaCert: join(root, 'tls', 'ca.crt'),
    tlsServerCert: join(root, 'tls', 'server.crt'),
    tlsCaKey: join(secrets, 'tls-ca.key'),
    tlsServerKey: join(secrets, 'tls-server.key'),
  };
}

/** Folders created by `mpegflow init`, with their modes. */
export function layoutFolders(layout: DataLayout): { path: string; mode: number }[] {
  return [
    { path: layout.objects, mode: 0o750 },
    { path: layout.images, mode: 0o750 },
    { path: layout.secrets, mode: 0o700 },
    { path: layout.trust, mode: 0o755 },
    { path: layout.tls, mode: 0o755 },
    { path: layout.scratch, mode: 0o750 },
    { path: layout.backups, mode: 0o750 },
  ];
}

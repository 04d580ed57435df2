import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Bucket } from './object-store.js';
import { RESERVED_SEGMENT_PREFIX } from './keys.js';

/**
 * Where the embedded store keeps things, all under one root (`<data>/objects`), on one filesystem:
 *
 *   <root>/<bucket>/<key>                              the current object (keys are validated paths)
 *   <root>/<bucket>/<dir>/.mpegflow.<name>.json        its sidecar (sha256, size, type, created, inode)
 *   <root>/.versions/<bucket>/<h(key)>/<versionId>     previous versions (hard links), + <versionId>.json
 *   <root>/.tmp/                                       staging files: written, fsynced, renamed into place
 */
export interface Sidecar {
  v: 1;
  key: string;
  sha256: string;
  size: number;
  contentType?: string;
  /** ISO time the object was stored. */
  created: string;
  versionId: string;
  /** Inode of the data file this sidecar describes: a sidecar whose inode differs is stale (crash between renames). */
  ino: number;
}

export const SIDECAR_PREFIX = `${RESERVED_SEGMENT_PREFIX}.`;

export class EmbeddedLayout {
  constructor(readonly root: string) {}

  bucketDir(bucket: Bucket): string {
    return join(this.root, bucket);
  }

  dataPath(bucket: Bucket, key: string): string {
    return join(this.root, bucket, ...key.split('/'));
  }

  sidecarPath(bucket: Bucket, key: string): string {
    const parts = key.split('/');
    const name = parts.pop() ?? '';
    return join(this.root, bucket, ...parts, `${SIDECAR_PREFIX}${name}.json`);
  }

  get tmpDir(): string {
    return join(this.root, '.tmp');
  }

  get versionsRoot(): string {
    return join(this.root, '.versions');
  }

  versionsDir(bucket: Bucket, key: string): string {
    return join(this.root, '.versions', bucket, createHash('sha256').update(key).digest('hex').slice(0, 40));
  }

  newTmpPath(tag: string): string {
    return join(this.tmpDir, `${tag}-${randomUUID()}.part`);
  }
}

/** Sortable by time: 13 hex digits of ms since epoch, then randomness. */
export function newVersionId(at: Date = new Date()): string {
  return `${at.getTime().toString(16).padStart(13, '0')}-${randomBytes(6).toString('hex')}`;
}

export function isSidecarName(name: string): boolean {
  return name.startsWith(RESERVED_SEGMENT_PREFIX);
}

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import { removeBundle, type AuditExporter } from '../../audit/audit-exporter.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { readJson } from '../validation.js';

export const auditExportBody = z
  .object({
    jobId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a job id')
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export interface AuditExportRouteDeps {
  exporter: AuditExporter;
  /** Where a bundle is written before it is sent (removed once sent). */
  scratchDir: string;
}

/**
 * `POST /api/v1/audit/exports` (auditor or admin): makes a signed audit bundle and sends it
 * as `application/x-tar`. The bundle is complete, checkpointed and audited
 * (`audit.exported`, with its sha256) before the first byte is sent.
 */
export function auditExportRoutes(deps: AuditExportRouteDeps) {
  return new Hono<HttpEnv>().post('/audit/exports', requireRole('auditor', 'admin'), async (c) => {
    const body = await readJson(c, auditExportBody);
    await mkdir(deps.scratchDir, { recursive: true });
    const file = join(deps.scratchDir, `audit-download-${randomBytes(8).toString('hex')}.tar`);
    const result = await deps.exporter.export(file, body, actorOf(c.get('principal')));
    const stream = createReadStream(file);
    stream.on('close', () => void removeBundle(file));
    const name = `mpegflow-audit-${result.manifest.exportId}.tar`;
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200, {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="${name}"`,
      'content-length': String(result.size),
      'x-bundle-sha256': result.sha256,
    });
  });
}

import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { ApplianceError, messageOf } from '../../errors/appliance-error.js';
import type { Logger } from '../../log/logger.js';
import { keyProblem } from '../../storage/keys.js';
import type { ObjectStore, PutResult } from '../../storage/object-store.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';

export interface InputRouteDeps {
  store: Store;
  objects: ObjectStore;
  logger: Logger;
  /** The node serving the upload (recorded, so that only this node's next start closes it if it is cut). */
  nodeId?: string;
}

/**
 * Why `name` cannot be an input name, or undefined. An input name is exactly one object-key
 * segment (docs/storage.md key rules): no `/` (not even as `%2F`), no `.`/`..`, no backslash,
 * no control characters, not starting with `.mpegflow`, at most 200 UTF-8 bytes. The input
 * bucket key is the name itself.
 */
export function inputNameProblem(name: string): string | undefined {
  if (name.includes('/')) return 'must not contain "/" (one name, no folders)';
  return keyProblem(name);
}

const badName = (name: string, problem: string) => new ApplianceError('INPUT_NAME_INVALID', `input name ${JSON.stringify(name).slice(0, 120)}: ${problem}`);

const empty = () => new ApplianceError('INPUT_EMPTY', 'the request body is empty; send the master as the body');

/**
 * The request body as byte chunks, pulled one at a time (backpressure reaches the socket), with
 * the first chunk read ahead so an empty upload is refused before anything is stored.
 */
async function bodyChunks(stream: ReadableStream<Uint8Array>, onError: () => void): Promise<AsyncIterable<Uint8Array>> {
  const reader = stream.getReader();
  const read = async () => {
    try {
      return await reader.read();
    } catch (err) {
      onError();
      throw err;
    }
  };
  let first = await read();
  while (!first.done && first.value.byteLength === 0) first = await read();
  if (first.done) throw empty();
  const head = first.value;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield head;
        for (;;) {
          const next = await read();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

/**
 * `PUT /api/v1/inputs/{name}` (operator, admin): streams the body into the input bucket,
 * hashing it on the way (memory does not grow with the upload), and audits `input.uploaded`.
 * `201 {key, sha256, size}`. Replacing an input no job has used keeps the old bytes as a
 * previous version; an input a job has used is never replaced: the same bytes again are
 * `200 {…, unchanged: true}`, other bytes are `409 INPUT_IN_USE`.
 */
export function inputRoutes(deps: InputRouteDeps) {
  return new Hono<HttpEnv>().put('/inputs/:name', requireRole('admin', 'operator'), async (c) => {
    const name = c.req.param('name');
    const problem = inputNameProblem(name);
    if (problem !== undefined) throw badName(name, problem);
    const length = c.req.header('content-length');
    if (length !== undefined && !/^\d{1,16}$/.test(length)) {
      throw new ApplianceError('VALIDATION_FAILED', 'Content-Length: not a byte count');
    }
    if (length === '0' || !c.req.raw.body) throw empty();

    let aborted = false;
    const chunks = await bodyChunks(c.req.raw.body, () => (aborted = true));
    const actor = actorOf(c.get('principal'));
    const inUse = await deps.store.jobs.usesInput(name);
    let result: PutResult;
    const uploadId = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
    const staging = `uploads/${uploadId}`;
    // Audited before the first byte is stored: whatever a crash leaves in the bucket has a record,
    // and the next start closes an upload that has no end (input.upload_failed, cause interrupted).
    await deps.store.change(async (tx) => {
      await tx.audit({
        type: 'input.upload_started',
        actor,
        payload: {
          key: name,
          uploadId,
          contentLength: length === undefined ? null : Number(length),
          inUse,
          ...(inUse ? { staging } : {}),
          ...(deps.nodeId !== undefined ? { node: deps.nodeId } : {}),
        },
      });
    });
    try {
      result = await deps.objects.put(inUse ? 'intermediate' : 'input', inUse ? staging : name, chunks);
    } catch (err) {
      const failure = aborted ? new ApplianceError('UPLOAD_ABORTED', 'the upload was interrupted before its end; nothing was stored', { cause: err }) : err;
      const code = failure instanceof ApplianceError ? failure.code : 'INTERNAL';
      await deps.store
        .change(async (tx) => {
          await tx.audit({ type: 'input.upload_failed', actor, payload: { key: name, uploadId, code, message: messageOf(failure) } });
        })
        .catch((auditErr: unknown) => deps.logger.error({ err: auditErr, key: name }, 'could not audit input.upload_failed'));
      throw failure;
    }

    if (inUse) {
      await deps.objects.delete('intermediate', staging, { allVersions: true });
      const existing = await deps.objects.stat('input', name);
      if (existing.sha256 === result.sha256 && existing.size === result.size) {
        await deps.store.change(async (tx) => {
          await tx.audit({ type: 'input.upload_unchanged', actor, payload: { key: name, uploadId, sha256: result.sha256, size: result.size } });
        });
        return c.json({ key: name, sha256: result.sha256, size: result.size, unchanged: true }, 200);
      }
      await deps.store.change(async (tx) => {
        await tx.audit({
          type: 'input.upload_failed',
          actor,
          payload: { key: name, uploadId, code: 'INPUT_IN_USE', message: `input ${name} is used by a job; other bytes were refused` },
        });
      });
      throw new ApplianceError('INPUT_IN_USE', `input ${name} is used by a job and is never replaced; upload these bytes under another name`, {
        details: { key: name, sha256: existing.sha256 ?? null, uploadedSha256: result.sha256 },
      });
    }

    await deps.store.change(async (tx) => {
      await tx.audit({
        type: 'input.uploaded',
        actor,
        payload: { key: name, uploadId, sha256: result.sha256, size: result.size, ...(result.versionId ? { versionId: result.versionId } : {}) },
      });
    });
    deps.logger.info({ key: name, sha256: result.sha256, size: result.size, actor }, 'input uploaded');
    return c.json({ key: name, sha256: result.sha256, size: result.size }, 201);
  });
}

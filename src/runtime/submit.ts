import { createHash } from 'node:crypto';
import { ApplianceError, isApplianceError } from '../errors/appliance-error.js';
import { ladderPresets } from '../media/ladder-presets.js';
import { keyProblem } from '../storage/keys.js';
import type { ObjectInfo } from '../storage/object-store.js';
import { canonicalJson } from '../store/audit-chain.js';
import type { EncoderImageRecord } from '../store/store.js';
import { newId } from './ids.js';
import type { JobDetail, SubmitContext, SubmitRequest } from './job-runtime.js';
import type { RuntimeContext } from './runtime-context.js';
import type { ProbeInput } from './task-payloads.js';

/** What a valid submission resolves to: its input object and the image it pins. */
export interface ValidSubmission {
  input: ObjectInfo;
  image: EncoderImageRecord;
}

const quoted = (s: string): string => JSON.stringify(s).slice(0, 120);

/**
 * The one check of a submission before anything is created (the HTTP route, the CLI and
 * watch folders all submit through it): a known ladder, an input that is an object of the
 * input bucket, and an encoder image that is registered and verified (the one named, or the
 * default). Each refusal is a 4xx ApplianceError with a stable code.
 */
export async function validateSubmission(ctx: Pick<RuntimeContext, 'store' | 'objects'>, request: SubmitRequest): Promise<ValidSubmission> {
  if (!Object.hasOwn(ladderPresets, request.ladder)) {
    throw new ApplianceError('LADDER_UNKNOWN', `unknown ladder ${quoted(request.ladder)} (known: ${Object.keys(ladderPresets).join(', ')})`);
  }
  const key = request.input.key;
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ApplianceError('INPUT_NOT_FOUND', `input.key ${quoted(key)} is not a key of the input bucket: ${problem}`);
  const input = await ctx.objects.stat('input', key).catch((err: unknown) => {
    if (isApplianceError(err) && (err.code === 'STORAGE_NOT_FOUND' || err.code === 'STORAGE_INVALID_KEY')) {
      throw new ApplianceError('INPUT_NOT_FOUND', `no input ${quoted(key)}: upload it first with PUT /api/v1/inputs/{name}`);
    }
    throw err;
  });
  const image = request.encoder !== undefined ? await ctx.store.images.get(request.encoder) : await ctx.store.images.default();
  if (request.encoder !== undefined && (!image || image.removedAt)) {
    throw new ApplianceError('ENCODER_UNKNOWN', `no encoder image ${request.encoder} (see GET /api/v1/encoders)`);
  }
  if (!image) throw new ApplianceError('NO_ENCODER_IMAGE', 'no verified encoder image is registered; import one (mpegflow images import)');
  if (image.state !== 'verified') throw new ApplianceError('ENCODER_UNVERIFIED', `encoder image ${image.id} does not verify; it will not be used`);
  return { input, image };
}

/**
 * Submits a job: an `Idempotency-Key` seen before answers with its job (the same body) or
 * IDEMPOTENCY_CONFLICT (another body), even if the input or image has gone since; otherwise
 * the submission is validated and the job, its probe task and `job.submitted` are one commit.
 */
export async function submitJob(
  ctx: RuntimeContext,
  detail: (jobId: string) => Promise<JobDetail>,
  request: SubmitRequest,
  context: SubmitContext,
): Promise<{ job: JobDetail; created: boolean }> {
  const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
  if (context.idempotencyKey) {
    const existing = await ctx.store.jobs.byIdempotencyKey(context.idempotencyKey);
    if (existing) {
      if (existing.requestHash !== requestHash) throw new ApplianceError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body');
      return { job: await detail(existing.id), created: false };
    }
  }
  const { input, image } = await validateSubmission(ctx, request);
  const jobId = newId('job');
  const policy = request.policy ?? { partialLadder: ctx.config.policies.partialLadder };
  await ctx.commit(jobId, async (tx) => {
    await tx.jobs.insert({
      id: jobId,
      state: 'queued',
      inputKey: request.input.key,
      inputSha256: input.sha256 ?? null,
      inputSize: input.size,
      ladder: request.ladder,
      packaging: request.packaging,
      encoderImage: image.id,
      policy,
      idempotencyKey: context.idempotencyKey ?? null,
      requestHash,
      submittedBy: context.actor,
    });
    const probe: ProbeInput = { key: request.input.key };
    await tx.tasks.insert({ id: newId('task'), jobId, kind: 'probe', rendition: null, maxAttempts: ctx.config.pools.probe.maxAttempts, input: probe });
    await tx.audit({
      type: 'job.submitted',
      actor: context.actor,
      jobId,
      payload: {
        input: { key: request.input.key, sha256: input.sha256 ?? null, size: input.size },
        ladder: request.ladder,
        packaging: request.packaging,
        encoder: { id: image.id, name: image.name, version: image.version },
        policy,
        idempotencyKey: context.idempotencyKey ?? null,
      },
    });
  });
  ctx.kick();
  return { job: await detail(jobId), created: true };
}

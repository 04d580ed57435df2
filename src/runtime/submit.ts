import { ApplianceError, isApplianceError } from '../errors/appliance-error.js';
import type { TemplateVersion } from '../media/ladder-template.js';
import { keyProblem } from '../storage/keys.js';
import type { ObjectInfo } from '../storage/object-store.js';
import type { EncoderImageRecord } from '../store/store.js';
import { newId } from './ids.js';
import { canonicalSha256, quoted } from './quoting.js';
import { resolveTemplate } from './ladder-templates.js';
import { captionFormatOf } from './caption-inputs.js';
import type { JobDetail, SubmitContext, SubmitRequest } from './job-runtime.js';
import type { RuntimeContext } from './runtime-context.js';
import type { ProbeInput } from './task-payloads.js';

/** What a valid submission resolves to: its input object, the template version and the image it pins. */
export interface ValidSubmission {
  input: ObjectInfo;
  template: TemplateVersion;
  image: EncoderImageRecord;
}

/**
 * The one check of a submission before anything is created (the HTTP route, the CLI and
 * watch folders all submit through it): a known ladder, an input that is an object of the
 * input bucket, and an encoder image that is registered and verified (the one named, or the
 * default). Each refusal is a 4xx ApplianceError with a stable code.
 */
export async function validateSubmission(ctx: Pick<RuntimeContext, 'store' | 'objects'>, request: SubmitRequest): Promise<ValidSubmission> {
  const template = await resolveTemplate(ctx.store, request.ladder, request.ladderVersion);
  const input = await inputObject(ctx, request.input.key, 'input.key');
  for (const [i, caption] of (request.captions ?? []).entries()) {
    await inputObject(ctx, caption.key, `captions.${i}.key`);
    if (!captionFormatOf(caption.key))
      throw new ApplianceError(
        'CAPTION_FORMAT_UNKNOWN',
        `captions.${i}.key ${quoted(caption.key)}: not a caption file name (.vtt, .srt, .ttml, .dfxp or .xml)`,
      );
  }
  const image = request.encoder !== undefined ? await ctx.store.images.get(request.encoder) : await ctx.store.images.default();
  if (request.encoder !== undefined && (!image || image.removedAt)) {
    throw new ApplianceError('ENCODER_UNKNOWN', `no encoder image ${request.encoder} (see GET /api/v1/encoders)`);
  }
  if (!image) throw new ApplianceError('NO_ENCODER_IMAGE', 'no verified encoder image is registered; import one (mpegflow images import)');
  if (image.state !== 'verified') throw new ApplianceError('ENCODER_UNVERIFIED', `encoder image ${image.id} does not verify; it will not be used`);
  return { input, template, image };
}

async function inputObject(ctx: Pick<RuntimeContext, 'objects'>, key: string, field: string): Promise<ObjectInfo> {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ApplianceError('INPUT_NOT_FOUND', `${field} ${quoted(key)} is not a key of the input bucket: ${problem}`);
  return await ctx.objects.stat('input', key).catch((err: unknown) => {
    if (isApplianceError(err) && (err.code === 'STORAGE_NOT_FOUND' || err.code === 'STORAGE_INVALID_KEY')) {
      throw new ApplianceError('INPUT_NOT_FOUND', `no input ${quoted(key)}: upload it first with PUT /api/v1/inputs/{name}`);
    }
    throw err;
  });
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
  const requestHash = canonicalSha256(request);
  if (context.idempotencyKey) {
    const existing = await ctx.store.jobs.byIdempotencyKey(context.idempotencyKey);
    if (existing) {
      if (existing.requestHash !== requestHash) throw new ApplianceError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body');
      return { job: await detail(existing.id), created: false };
    }
  }
  const { input, template, image } = await validateSubmission(ctx, request);
  const jobId = newId('job');
  const policy = request.policy ?? { partialLadder: template.template.partialLadder ?? ctx.config.policies.partialLadder };
  const packaging = request.packaging ?? [...template.template.packaging];
  const captions = request.captions ?? [];
  await ctx.commit(jobId, async (tx) => {
    await tx.jobs.insert({
      id: jobId,
      state: 'queued',
      inputKey: request.input.key,
      inputSha256: input.sha256 ?? null,
      inputSize: input.size,
      ladder: template.name,
      ladderVersion: template.version,
      packaging,
      encoderImage: image.id,
      policy,
      idempotencyKey: context.idempotencyKey ?? null,
      requestHash,
      submittedBy: context.actor,
    });
    const probe: ProbeInput = { key: request.input.key, captions };
    await tx.tasks.insert({ id: newId('task'), jobId, kind: 'probe', rendition: null, maxAttempts: ctx.config.pools.probe.maxAttempts, input: probe });
    await tx.audit({
      type: 'job.submitted',
      actor: context.actor,
      jobId,
      payload: {
        input: { key: request.input.key, sha256: input.sha256 ?? null, size: input.size },
        ladder: template.name,
        ladderVersion: template.version,
        ladderSha256: template.sha256,
        packaging,
        captions,
        encoder: { id: image.id, name: image.name, version: image.version },
        policy,
        idempotencyKey: context.idempotencyKey ?? null,
      },
    });
  });
  ctx.kick();
  return { job: await detail(jobId), created: true };
}

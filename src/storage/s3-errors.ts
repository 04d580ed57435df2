import { ApplianceError, isApplianceError } from '../errors/appliance-error.js';
import { isCertificateError } from '../tls/certificate-errors.js';
import type { Bucket } from './object-store.js';
import { authFailed, invalidKey, invalidRange, ioError, noBucket, notFound, unavailable } from './storage-errors.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);
const SERVER_BUSY_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'RequestTimeout',
  'ServiceFailure',
  'Throttling',
  'RequestTimeTooSkewed',
]);
const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'AuthorizationHeaderMalformed',
  'InvalidSecurity',
]);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A connection failure or a 5xx: worth another try. */
export function isTransient(err: unknown): boolean {
  if (isApplianceError(err)) return false;
  const code = codeOf(err);
  if (CONNECTION_CODES.has(code) || SERVER_BUSY_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up|Retryable HTTP status|ECONNREFUSED|ECONNRESET/.test(message);
}

export function isConnectionError(err: unknown): boolean {
  return CONNECTION_CODES.has(codeOf(err)) || /socket hang up|ECONNREFUSED|ECONNRESET/.test(err instanceof Error ? err.message : '');
}

export interface S3ErrorContext {
  endpoint: string;
  bucket?: Bucket;
  bucketName?: string;
  key?: string;
  op: string;
}

/** Maps a minio / network error to the storage layer's ApplianceError codes. */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): Error {
  if (isApplianceError(err)) return err;
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const where = `${ctx.op}${ctx.bucketName ? ` ${ctx.bucketName}${ctx.key ? `/${ctx.key}` : ''}` : ''}`;
  if (isCertificateError(code)) {
    return new ApplianceError(
      'STORAGE_TLS_UNTRUSTED',
      `S3 at ${ctx.endpoint} presented a certificate that does not verify (${code}) during ${where}; set MPEGFLOW_S3_CA_FILE to the CA that issued it (verification is never turned off)`,
      { cause: err, details: { endpoint: ctx.endpoint, code } },
    );
  }
  if (code === 'NoSuchKey' || code === 'NoSuchVersion' || (code === 'NotFound' && ctx.key !== undefined))
    return notFound(ctx.bucket ?? ctx.bucketName ?? '?', ctx.key ?? '?', err);
  if (code === 'NoSuchBucket' || code === 'NotFound') return noBucket(ctx.bucketName ?? ctx.bucket ?? '?', `S3 ${ctx.endpoint}`, err);
  if (AUTH_CODES.has(code))
    return authFailed(`S3 at ${ctx.endpoint} refused the credentials (${code}) during ${where}: check the access key and secret key`, err);
  if (code === 'InvalidRange') return invalidRange(`range not satisfiable for ${where}`);
  if (code === 'InvalidObjectName' || (err as object | null)?.constructor?.name === 'InvalidObjectNameError')
    return invalidKey(`S3 rejected the key in ${where}: ${message}`);
  if (isTransient(err)) return unavailable(`S3 at ${ctx.endpoint} is unavailable (${code || message}) during ${where}`, err, { endpoint: ctx.endpoint });
  return ioError(`S3 ${where} failed: ${code ? `${code}: ` : ''}${message}`, err);
}

import { ApplianceError } from '../../errors/appliance-error.js';

/** The stable error codes of the bundled S3 server component (documented in docs/storage.md). */
export const COMPONENT_CODES = {
  /** The component folder failed verification (signature, trust, paths, sizes, modes, sha256): nothing was launched. */
  UNVERIFIED: 'COMPONENT_UNVERIFIED',
  /** The component was launched but did not pass its health check in time (or exited first). */
  START_FAILED: 'COMPONENT_START_FAILED',
  /** The supervisor gave up restarting a crashing component. */
  FAILED: 'COMPONENT_FAILED',
  /** The configured listen host is not a loopback address. */
  NOT_LOOPBACK: 'COMPONENT_NOT_LOOPBACK',
  /** A bad supervisor option (port, timeouts, folders). */
  CONFIG_INVALID: 'COMPONENT_CONFIG_INVALID',
  /** `<data>/secrets/s3-server.json` exists but cannot be used. */
  CREDENTIALS_INVALID: 'COMPONENT_CREDENTIALS_INVALID',
} as const;

export const componentUnverified = (dir: string, reason: string, componentId: string | null = null): ApplianceError =>
  new ApplianceError(COMPONENT_CODES.UNVERIFIED, `component at ${dir} is unusable: ${reason}`, {
    details: { dir, reason, componentId },
  });

export const componentStartFailed = (reason: string, details: Record<string, unknown> = {}, cause?: unknown): ApplianceError =>
  new ApplianceError(COMPONENT_CODES.START_FAILED, `S3 server component did not start: ${reason}`, { details: { reason, ...details }, cause });

export const componentFailed = (reason: string, details: Record<string, unknown> = {}, cause?: unknown): ApplianceError =>
  new ApplianceError(COMPONENT_CODES.FAILED, `S3 server component failed: ${reason}`, { details: { reason, ...details }, cause });

export const notLoopback = (host: string): ApplianceError =>
  new ApplianceError(
    COMPONENT_CODES.NOT_LOOPBACK,
    `S3 server host ${JSON.stringify(host)} is not a loopback address; the bundled S3 server listens on 127.0.0.0/8 or ::1 only (give a literal address such as 127.0.0.1)`,
    { details: { host } },
  );

export const componentConfigInvalid = (message: string): ApplianceError => new ApplianceError(COMPONENT_CODES.CONFIG_INVALID, message);

export const credentialsInvalid = (path: string, reason: string, cause?: unknown): ApplianceError =>
  new ApplianceError(COMPONENT_CODES.CREDENTIALS_INVALID, `S3 server credentials ${path} are unusable: ${reason}`, {
    details: { path, reason },
    cause,
  });

/**
 * The error catalog: every stable code a user can see — thrown as an ApplianceError, recorded
 * as a job's or task's failure, written into a watch folder's `.error.json` — with the HTTP
 * status it answers with at the edge (`null`: never an HTTP answer of its own; 500 if one
 * ever reaches the edge). Declared once, here; `docs/error-codes.md` documents each one and a
 * test holds the two equal.
 */
export const ERROR_CODES = {
  // The appliance, its config and its store
  CONFIG_INVALID: null,
  DATA_DIR_UNWRITABLE: null,
  PORT_IN_USE: null,
  STARTING: 503,
  LISTEN_FAILED: null,
  NOT_INITIALIZED: null,
  USAGE: null,
  CPU_PINNING_UNAVAILABLE: null,
  TRUST_STORE_INVALID: null,
  STORE_CORRUPT: 500,
  STORE_NEWER_SCHEMA: 500,
  STORE_SCHEMA_MISMATCH: 500,
  STORE_UNAVAILABLE: 500,
  STORE_BUSY: 500,
  STORE_UNREACHABLE: 503,
  STORE_AUTH: null,
  STORE_TLS: null,
  STORE_PRIVILEGES: null,
  NODE_ID_IN_USE: null,
  CLUSTER_NEEDS_S3: null,
  AUDIT_REQUIRED: 500,

  // TLS on the operator port (docs/security.md)
  TLS_FILE_UNREADABLE: null,
  TLS_CERT_INVALID: null,
  TLS_KEY_INVALID: null,
  TLS_KEY_MISMATCH: null,
  TLS_CERT_EXPIRED: null,
  TLS_CERT_NOT_YET_VALID: null,
  TLS_CA_UNAVAILABLE: null,

  // HTTP requests
  SIGNATURE_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LAST_ADMIN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  INTERNAL: 500,

  // Operator accounts and sessions
  LOGIN_FAILED: 401,
  ACCOUNT_LOCKED: 423,
  LOGIN_THROTTLED: 429,
  CSRF_REJECTED: 403,
  USER_EXISTS: 409,
  TOTP_REQUIRED: 401,
  TOTP_ENROLLMENT_REQUIRED: 401,
  TOTP_INVALID: 401,
  TOTP_REPLAYED: 401,
  TOTP_ALREADY_ENROLLED: 409,

  // Inputs and outputs
  INPUT_NAME_INVALID: 400,
  INPUT_EMPTY: 400,
  INPUT_IN_USE: 409,
  UPLOAD_ABORTED: 400,
  OUTPUT_PATH_INVALID: 400,
  OUTPUT_NOT_FOUND: 404,
  RANGE_NOT_SATISFIABLE: 416,

  // The CLI as a client (`mpegflow submit`, `verify-bundle`)
  SERVER_UNREACHABLE: null,
  TLS_UNTRUSTED: null,
  FILE_UNREADABLE: null,
  HTTP_ERROR: null,

  // Watch folders
  INGEST_NAME_INVALID: null,
  INGEST_SYMLINK: null,
  INGEST_HARD_LINK: null,
  INGEST_NOT_A_FILE: null,
  INGEST_SOURCE_VANISHED: null,
  INGEST_SOURCE_CHANGED: null,
  INGEST_VERIFY_FAILED: null,
  INGEST_ORPHAN_SIDECAR: null,
  INGEST_FAILED: null,

  // Media: the policy's refusal, its reasons, ladders, argv
  MEDIA_REJECTED: 422,
  MEDIA_UNREADABLE: null,
  MEDIA_CONTAINER_UNSUPPORTED: null,
  MEDIA_NO_VIDEO: null,
  MEDIA_AUDIO_ONLY: null,
  MEDIA_VIDEO_CODEC_UNSUPPORTED: null,
  MEDIA_AUDIO_CODEC_UNSUPPORTED: null,
  MEDIA_SINGLE_FRAME: null,
  MEDIA_DURATION_UNKNOWN: null,
  MEDIA_DURATION_TOO_SHORT: null,
  MEDIA_DURATION_TOO_LONG: null,
  MEDIA_RESOLUTION_TOO_LARGE: null,
  MEDIA_RESOLUTION_TOO_SMALL: null,
  MEDIA_FRAME_RATE_UNSUPPORTED: null,
  MEDIA_HDR_UNSUPPORTED: null,
  MEDIA_PROBE_OUTPUT_INVALID: 500,
  MEDIA_ARGUMENT_INVALID: 500,
  MEDIA_QUALITY_STATS_INVALID: 500,
  LADDER_UNKNOWN: 400,
  LADDER_INVALID: 400,
  LADDER_VERSION_UNKNOWN: 404,
  LADDER_EXISTS: 409,
  LADDER_READ_ONLY: 409,
  LADDER_NO_RUNGS: 422,
  LADDER_LEVEL_EXCEEDED: 422,
  LADDER_HDR_ON_SDR: 422,
  LADDER_SDR_FROM_HDR: 422,
  LADDER_AUDIO_MISSING: 422,

  // Stage processes and tasks (StageTaskResult.errorCode, task and job failures)
  EXIT_NONZERO: null,
  OOM_KILLED: null,
  TIMED_OUT: null,
  CANCELLED: null,
  WORKER_CRASHED: null,
  SPAWN_FAILED: null,
  LEASE_EXPIRED: null,
  PROBE_FAILED: null,
  ENCODE_FAILED: null,
  CHUNK_FRAME_COUNT: null,
  CHUNK_FAILED: null,
  STITCH_FAILED: null,
  QUALITY_BELOW_THRESHOLD: null,
  STITCH_FRAME_COUNT: null,
  STITCH_TIMESTAMPS: null,
  STITCH_GOP: null,
  PACKAGE_FAILED: null,
  PACKAGE_HASH_MISMATCH: null,
  RENDITION_FAILED: null,
  PARTIAL_LADDER: null,
  INTERRUPTED: null,
  CRASH_LOOP: null,
  UPLOAD_INTERRUPTED: null,

  // Captions and subtitles: a caption file refused (docs/captions.md)
  CAPTION_NOT_TEXT: 422,
  CAPTION_ENCODING: 422,
  CAPTION_FORMAT_UNKNOWN: 422,
  CAPTION_INVALID: 422,
  CAPTION_TIMING: 422,
  CAPTION_EMPTY: 422,
  CAPTION_TOO_LARGE: 422,

  // Jobs
  JOB_NOT_FOUND: 404,
  JOB_FINISHED: 409,
  JOB_NOT_RETRYABLE: 409,
  JOB_NOT_FINISHED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  INPUT_NOT_FOUND: 422,
  ENCODER_UNKNOWN: 400,
  ENCODER_REMOVED: 409,
  NO_ENCODER_IMAGE: 503,
  STALE_LEASE: 409,

  // Cluster nodes (docs/cluster.md)
  NODE_STOPPED: 409,

  // Encoder images: verification, the catalog, building
  ENCODER_UNVERIFIED: 409,
  ENCODER_IN_USE: 409,
  ENCODER_ARGS_INVALID: 500,
  IMAGE_BUILD_FAILED: null,
  IMAGE_BUILD_TOOL_MISSING: null,
  IMAGE_LIBRARY_LEAK: null,
  IMAGE_LOCK_FAILED: null,
  IMAGE_LOCK_INVALID: null,
  HOST_FFMPEG_MISSING: null,
  HOST_IMAGE_FAILED: null,
  DEBIAN_KEYRING_UNTRUSTED: null,
  DEBIAN_MIRROR_UNKNOWN: null,
  DEBIAN_MIRROR_UNREACHABLE: null,
  DEBIAN_PACKAGE_MISSING: null,

  // Live events: WebSocket, webhooks
  UPGRADE_REQUIRED: 426,
  WEBHOOK_TARGET_NOT_ALLOWED: 400,
  WEBHOOK_EXISTS: 409,
  WEBHOOK_FROM_CONFIG: 409,

  // Audit bundles and backups
  EXPORT_RANGE_INVALID: 400,
  EXPORT_OUT_EXISTS: 409,
  EXPORT_CHECKPOINT_MOVED: 409,
  AUDIT_CHAIN_BROKEN: 500,
  AUDIT_KEY_UNAVAILABLE: 500,
  BACKUP_FAILED: null,

  // Signed chain heads (docs/audit-heads.md)
  AUDIT_CHAIN_TRUNCATED: null,
  AUDIT_CHAIN_HEAD_MISMATCH: null,
  AUDIT_HEAD_LOG_BROKEN: null,
  AUDIT_HEAD_LOG_MALFORMED: null,
  AUDIT_HEAD_SIGNATURE_INVALID: null,
  AUDIT_HEAD_FOREIGN_KEY: null,

  // Encryption at rest (docs/at-rest.md)
  KEK_INVALID: null,
  KEK_UNAVAILABLE: null,
  KEK_UNWRAP_FAILED: null,
  DATA_KEY_MISSING: 500,
  SCRATCH_NOT_IN_MEMORY: null,
  OBJECT_NOT_ENCRYPTED: 500,
  OBJECT_TAMPERED: 500,
  OBJECT_TRUNCATED: 500,

  // Object storage
  STORAGE_INVALID_KEY: 400,
  STORAGE_INVALID_RANGE: 416,
  STORAGE_NOT_FOUND: 404,
  STORAGE_NO_BUCKET: 503,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_AUTH: 503,
  STORAGE_TLS_UNTRUSTED: 503,
  STORAGE_NO_SPACE: 507,
  STORAGE_HASH_MISMATCH: 422,
  STORAGE_CONFLICT: 409,
  STORAGE_IO: 500,

  // The bundled S3 server component
  COMPONENT_UNVERIFIED: 409,
  COMPONENT_START_FAILED: 503,
  COMPONENT_FAILED: 503,
  COMPONENT_NOT_LOOPBACK: 400,
  COMPONENT_CONFIG_INVALID: 400,
  COMPONENT_CREDENTIALS_INVALID: 500,
} as const satisfies Record<string, number | null>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The HTTP status a code answers with: its catalog status, 500 for one that is never an HTTP answer. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code] ?? 500;
}

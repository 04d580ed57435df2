import type { BuildHost } from './build-host.js';
import { z } from 'zod';

const coreList = z.array(z.number().int().min(0).max(4095)).min(1, 'needs at least one core').max(4096);

const pool = z
  .object({
    cores: coreList.optional(),
    slots: z.number().int().min(1).max(256).optional(),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
    memoryLimitPercent: z.number().min(1).max(100).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
  })
  .strict();

const packagingKind = z.enum(['hls', 'dash']);

/** The JSON config file (`MPEGFLOW_CONFIG` or `<data>/config.json`): every key optional. */
export const fileConfigSchema = z
  .object({
    http: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        /** How long start-up waits for a port held by another process (e.g. a killed appliance still exiting) before it gives up; 0: give up at once. */
        bindWaitSeconds: z.number().min(0).max(600).optional(),
      })
      .strict()
      .optional(),
    /** HTTPS on the operator port (docs/security.md). Default: a certificate from the appliance-local CA. */
    tls: z
      .object({
        /** The facility's own certificate (PEM, leaf first) and key; both or neither. */
        certFile: z.string().startsWith('/', 'must be an absolute path').optional(),
        keyFile: z.string().startsWith('/', 'must be an absolute path').optional(),
        /** Intermediate certificates sent after the leaf (PEM). */
        chainFile: z.string().startsWith('/', 'must be an absolute path').optional(),
        /** The names and addresses the generated server certificate is for (default: localhost, this host's name, loopback, the listen address). */
        hostnames: z
          .array(z.string().regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'must be a host name or IP address'))
          .min(1)
          .max(64)
          .optional(),
        /** TLSv1.3 (default); TLSv1.2 only when the facility opts in. */
        minVersion: z.enum(['TLSv1.3', 'TLSv1.2']).optional(),
        /** Plain HTTP instead of HTTPS: only on a loopback listen address (tests, a reverse proxy on the same host). */
        plainHttp: z.boolean().optional(),
      })
      .strict()
      .optional(),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional() })
      .strict()
      .optional(),
    pools: z.object({ probe: pool.optional(), encode: pool.optional(), package: pool.optional() }).strict().optional(),
    watchFolders: z
      .array(
        z
          .object({
            path: z.string().startsWith('/', 'must be an absolute path'),
            ladder: z.string().min(1).default('professional'),
            packaging: z.array(packagingKind).min(1).default(['hls', 'dash']),
            encoder: z.string().min(1).optional(),
            policy: z
              .object({ partialLadder: z.enum(['wait', 'emit']) })
              .strict()
              .optional(),
            /** A file is taken once its size and mtime have not changed for this long (and no process has it open for writing). */
            stableSeconds: z
              .number()
              .min(0.1)
              .max(24 * 3600)
              .default(30),
            /** Full rescan period besides change events (after a restart, on filesystems without events). */
            rescanSeconds: z.number().min(0.1).max(3600).default(10),
            /** A temporary failure (object store unreachable, no encoder image yet) is retried after this long, doubling up to 5 minutes. */
            retrySeconds: z.number().min(0.1).max(3600).default(5),
            /** Attempts in all before a file with a temporary failure goes to failed/. */
            retryAttempts: z.number().int().min(1).max(1000).default(12),
          })
          .strict(),
      )
      .optional(),
    webhooks: z
      .array(
        z
          .object({
            url: z.url({ protocol: /^https?$/ }).refine((u) => !/^https?:\/\/[^/?#]*@/i.test(u), 'must not carry a user name or password'),
            secret: z.string().min(16, 'must be at least 16 characters'),
          })
          .strict(),
      )
      .optional(),
    /** This node of a cluster (docs/cluster.md): its id, roles and the pools it runs. */
    node: z
      .object({
        id: z.string().optional(),
        roles: z
          .array(z.enum(['api', 'worker']))
          .min(1)
          .optional(),
        pools: z
          .array(z.enum(['probe', 'encode', 'package']))
          .min(1)
          .optional(),
      })
      .strict()
      .optional(),
    /** The PostgreSQL store (with MPEGFLOW_DATABASE_URL; docs/cluster.md). */
    database: z
      .object({
        /** Connections per node at most (default 10). */
        poolSize: z.number().int().min(2).max(100).optional(),
        /** Refuse to start (STORE_PRIVILEGES) when the role could UPDATE, DELETE or TRUNCATE audit rows; default false: a loud warning. */
        requireAppendOnlyRole: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** UI sessions: ended after `idleMinutes` without the operator's activity (default 15) and `lifetimeHours` after sign-in (default 12). */
    sessions: z
      .object({
        idleMinutes: z.number().min(1).max(1440).optional(),
        lifetimeHours: z.number().min(0.1).max(168).optional(),
        /** Roles that must sign in with a second factor (TOTP); admin always does. Default ["admin"]. */
        secondFactorRoles: z
          .array(z.enum(['admin', 'operator', 'viewer', 'auditor']))
          .refine((roles) => roles.includes('admin'), 'must include admin: administrative access always needs a second factor')
          .optional(),
      })
      .strict()
      .optional(),
    /** Encryption at rest (docs/at-rest.md): the facility's key-encryption key, outside the data directory. */
    atRest: z
      .object({
        kekFile: z.string().startsWith('/', 'must be an absolute path').optional(),
        /** Instead of a file: a command that wraps and unwraps with a key it holds (an HSM over PKCS#11, a KMS): argv, no shell. */
        kekCommand: z
          .array(z.string().min(1).max(4096))
          .min(1)
          .max(32)
          .refine((argv) => argv[0]!.startsWith('/'), 'the command must be an absolute path')
          .optional(),
        /** KEKs that still unwrap older data keys (after a rotation, until `mpegflow keys rotate` moved them all). */
        previousKekFiles: z.array(z.string().startsWith('/', 'must be an absolute path')).max(16).optional(),
        /** Where encoders write renditions and packages while encryption is on: a memory-backed folder (tmpfs). */
        scratchDir: z.string().startsWith('/', 'must be an absolute path').optional(),
      })
      .strict()
      .optional(),
    /** PEM CA certificates that `https://` webhook targets must chain to (default: the host's trusted CAs). */
    webhookCaFile: z.string().startsWith('/', 'must be an absolute path').optional(),
    /** Hosts webhooks may target besides loopback (default: the hosts of `webhooks`). See docs/webhooks.md. */
    webhookAllowedHosts: z
      .array(z.string().regex(/^[A-Za-z0-9.:[\]_-]{1,253}$/, 'must be a host name or IP address (no scheme, port or path)'))
      .max(256)
      .optional(),
    storage: z
      .object({
        lifecycle: z
          .object({
            cron: z.string().min(1).optional(),
            intermediateMaxAgeDays: z.number().min(0.01).max(3650).optional(),
            inputMaxAgeDays: z.number().min(0.01).max(3650).optional(),
          })
          .strict()
          .optional(),
        s3Server: z
          .object({
            component: z.string().startsWith('/', 'must be an absolute path'),
            host: z.string().min(1).optional(),
            port: z.number().int().min(1).max(65535),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** Nightly online backups of the store into `<data>/backups/` (docs/audit-bundle.md). */
    backups: z
      .object({
        cron: z.string().min(1).optional(),
        retention: z.number().int().min(1).max(365).optional(),
      })
      .strict()
      .optional(),
    /** Signed chain heads (docs/audit-heads.md): how often the head is signed, and an external write-once folder for copies. */
    auditHeads: z
      .object({
        intervalSeconds: z.number().min(1).max(3600).optional(),
        sink: z.string().startsWith('/', 'must be an absolute path').optional(),
      })
      .strict()
      .optional(),
    /** Long masters: encoded in chunks of `chunkSeconds` in parallel, then stitched (docs/chunking.md). */
    chunking: z
      .object({
        enabled: z.boolean().optional(),
        /** Masters longer than this are chunked (default 300). */
        thresholdSeconds: z.number().min(0).max(1_000_000).optional(),
        /** Target chunk length, rounded to whole GOPs (default 60). */
        chunkSeconds: z.number().min(2).max(3600).optional(),
      })
      .strict()
      .optional(),
    policies: z
      .object({
        partialLadder: z.enum(['wait', 'emit']).optional(),
        maxAttempts: z.number().int().min(1).max(20).optional(),
        /** Attempts the appliance itself may cut short (crash, shutdown) before the job fails CRASH_LOOP. */
        maxInterruptions: z.number().int().min(1).max(1000).optional(),
        /** Back-off base after an interruption (the first re-queues at once; then doubling, capped at 5 minutes). */
        interruptionBackoffSeconds: z.number().min(0).max(3600).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type FileConfig = z.infer<typeof fileConfigSchema>;

export interface PoolConfig {
  cores: number[];
  slots: number;
  timeoutSeconds: number;
  memoryLimitBytes: number;
  maxAttempts: number;
}

export type TlsMinVersion = 'TLSv1.3' | 'TLSv1.2';
export type TlsConfig =
  | { mode: 'plain' }
  | { mode: 'facility'; certFile: string; keyFile: string; chainFile: string | null; minVersion: TlsMinVersion }
  | { mode: 'appliance-ca'; hostnames: string[]; minVersion: TlsMinVersion };

export type PoolName = 'probe' | 'encode' | 'package';

/** The one typed, frozen config object, loaded once at start-up and passed in. */
export interface Config {
  dataDir: string;
  configFile: string | null;
  http: { host: string; port: number; bindWaitSeconds: number };
  /** The operator port's TLS: plain (loopback only, opted in), the facility's certificate, or one from the appliance-local CA. */
  tls: TlsConfig;
  log: { level: string };
  adminTokenSeed: string | null;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolSize: number; requireAppendOnlyRole: boolean };
  /** This node: its id (unique in the cluster), roles, and the pools it runs (none without `worker`). */
  node: { id: string; roles: Array<'api' | 'worker'>; pools: PoolName[] };
  storage:
    | { kind: 'embedded'; root: string }
    | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; caFile: string | null }
    | { kind: 'bundled-s3'; component: string; host: string; port: number };
  lifecycle: { cron: string; intermediateMaxAgeDays: number; inputMaxAgeDays: number };
  pools: Record<PoolName, PoolConfig>;
  watchFolders: NonNullable<FileConfig['watchFolders']>;
  webhooks: NonNullable<FileConfig['webhooks']>;
  /** Hosts (lower case) webhooks may target besides loopback: `webhookAllowedHosts`, or the hosts of `webhooks`. */
  webhookAllowedHosts: string[];
  /** `webhookCaFile`, or null: the host's trusted CAs. */
  webhookCaFile: string | null;
  /**
   * Encryption at rest: off (`kekFile` null; embedded store only), or every object sealed under
   * data keys wrapped by the KEK in `kekFile`; encoders then write to `scratchDir`, memory-backed.
   */
  atRest: { kekFile: string | null; kekCommand: string[] | null; previousKekFiles: string[]; scratchDir: string };
  /** UI sessions: idle timeout and absolute lifetime. */
  sessions: { idleMinutes: number; lifetimeHours: number; secondFactorRoles: Array<'admin' | 'operator' | 'viewer' | 'auditor'> };
  policies: { partialLadder: 'wait' | 'emit'; maxAttempts: number; maxInterruptions: number; interruptionBackoffSeconds: number };
  /** Chunked encoding of long masters: on by default for masters over `thresholdSeconds`, chunks of about `chunkSeconds`. */
  chunking: { enabled: boolean; thresholdSeconds: number; chunkSeconds: number };
  /** Store backups: node-cron expression (default nightly 02:30) and how many to keep (default 7). */
  backups: { cron: string; retention: number };
  /** Signed chain heads: signed every `intervalSeconds` (default 60) while events are appended; `sink`: a write-once folder on another volume, or null. */
  auditHeads: { intervalSeconds: number; sink: string | null };
  host: { cores: number; memoryBytes: number };
  /** What building an encoder image takes from the host (mirror, keyring, tool PATH, proxies). */
  buildHost: BuildHost;
}

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { ApplianceError } from '../errors/appliance-error.js';
import { buildHostFromEnv } from './build-host.js';
import { isLoopbackHost } from './loopback.js';
import { fromEnv, invalidSetting, rejectUnknownVariables, type Env } from './env.js';
import type { HostFacts } from './host.js';
import { defaultPools } from './pool-defaults.js';
import { nodeConfig } from './node-config.js';
import { fileConfigSchema, type Config, type FileConfig, type PoolName } from './schema.js';
import { checkWatchFolderPaths } from './watch-folder-paths.js';
import { atRestConfig, atRestEnabled } from './at-rest-config.js';

export interface LoadOptions {
  env: Env;
  host: HostFacts;
  cwd: string;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** One line naming the first bad key and why. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const base = issuePath(issue.path);
    return issue.keys.map((k) => `${base ? `${base}.` : ''}${k}`).join(', ') + ': unknown key';
  }
  return `${issuePath(issue.path) || '(root)'}: ${issue.message}`;
}

function readFileConfig(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApplianceError('CONFIG_INVALID', `MPEGFLOW_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ApplianceError('CONFIG_INVALID', `config ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileConfigSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApplianceError('CONFIG_INVALID', `config ${path}: ${first ? describeIssue(first) : 'invalid'}`, {
      details: { key: first ? issuePath(first.path) : '' },
    });
  }
  return parsed.data;
}

function checkCores(name: PoolName, cores: number[], host: HostFacts, fromFile: boolean): void {
  cores.forEach((core, i) => {
    if (core >= host.cores) {
      throw new ApplianceError(
        'CONFIG_INVALID',
        `config: pools.${name}.cores[${i}]: core ${core} does not exist on this host (${host.cores} cores: 0-${host.cores - 1})`,
        { details: { key: `pools.${name}.cores[${i}]`, fromFile } },
      );
    }
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `webhookAllowedHosts`, or the hosts of the configured webhooks; a configured webhook outside an explicit list fails start-up. */
function webhookAllowedHosts(file: FileConfig): string[] {
  const hostOf = (url: string) => new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const webhookHosts = (file.webhooks ?? []).map((w) => hostOf(w.url));
  if (!file.webhookAllowedHosts) return [...new Set(webhookHosts)];
  const allowed = [...new Set(file.webhookAllowedHosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1')))];
  (file.webhooks ?? []).forEach((w, i) => {
    const host = hostOf(w.url);
    if (!isLoopbackHost(host) && !allowed.includes(host)) {
      throw new ApplianceError('CONFIG_INVALID', `config: webhooks[${i}].url: host ${host} is not in webhookAllowedHosts`, {
        details: { key: `webhooks[${i}].url` },
      });
    }
  });
  return allowed;
}

/** `auditHeads.sink`: copies of the signed heads are only worth keeping outside the data dir. */
function auditHeadSink(file: FileConfig, dataDir: string): string | null {
  const sink = file.auditHeads?.sink;
  if (sink === undefined) return null;
  const path = resolve(sink);
  if (path === dataDir || path.startsWith(`${dataDir}/`)) {
    throw new ApplianceError('CONFIG_INVALID', `config: auditHeads.sink: ${path} is inside the data dir; the sink must be on another volume`, {
      details: { key: 'auditHeads.sink' },
    });
  }
  return path;
}

/**
 * The operator port's TLS. Plain HTTP only when asked for (`tls.plainHttp`, `MPEGFLOW_PLAIN_HTTP`)
 * and only on loopback; else the facility's certificate, or one the appliance-local CA issues
 * for `tls.hostnames` (default: localhost, this host's name, loopback, the listen address).
 */
function tlsConfig(file: FileConfig, env: Env, listenHost: string, host: HostFacts): Config['tls'] {
  const t = file.tls ?? {};
  const plain = fromEnv.boolean(env, 'MPEGFLOW_PLAIN_HTTP') ?? t.plainHttp ?? false;
  const minVersion = t.minVersion ?? 'TLSv1.3';
  if (plain) {
    const key = fromEnv.boolean(env, 'MPEGFLOW_PLAIN_HTTP') ? 'MPEGFLOW_PLAIN_HTTP' : 'tls.plainHttp';
    if (!isLoopbackHost(listenHost)) {
      throw new ApplianceError(
        'CONFIG_INVALID',
        `${key}: plain HTTP is allowed on a loopback address only, and the listen address is ${listenHost}; use HTTPS`,
        {
          details: { key },
        },
      );
    }
    if (t.certFile || t.keyFile)
      throw new ApplianceError('CONFIG_INVALID', `${key}: plain HTTP and tls.certFile/keyFile exclude each other`, { details: { key } });
    return { mode: 'plain' };
  }
  if (t.certFile || t.keyFile) {
    if (!t.certFile || !t.keyFile) {
      const missing = t.certFile ? 'tls.keyFile' : 'tls.certFile';
      throw new ApplianceError('CONFIG_INVALID', `config: ${missing}: required with ${t.certFile ? 'tls.certFile' : 'tls.keyFile'}`, {
        details: { key: missing },
      });
    }
    return { mode: 'facility', certFile: t.certFile, keyFile: t.keyFile, chainFile: t.chainFile ?? null, minVersion };
  }
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  const names = t.hostnames ?? ['localhost', ...(host.hostname ? [host.hostname] : []), '127.0.0.1', '::1', ...(wildcard ? [] : [listenHost])];
  return { mode: 'appliance-ca', hostnames: [...new Set(names.map((n) => n.toLowerCase()))], minVersion };
}

/** Defaults → config file → environment; validated; frozen. Read once at start-up. */
export function loadConfig({ env, host, cwd }: LoadOptions): Config {
  rejectUnknownVariables(env);
  const dataDir = resolve(cwd, fromEnv.string(env, 'MPEGFLOW_DATA_DIR') ?? './data');
  const explicitFile = fromEnv.string(env, 'MPEGFLOW_CONFIG');
  const implicitFile = join(dataDir, 'config.json');
  const configFile = explicitFile !== undefined ? resolve(cwd, explicitFile) : existsSync(implicitFile) ? implicitFile : null;
  const file: FileConfig = configFile ? readFileConfig(configFile) : {};

  const pools = defaultPools(host);
  for (const name of ['probe', 'encode', 'package'] as const) {
    const p = file.pools?.[name];
    if (!p) continue;
    if (p.cores) checkCores(name, p.cores, host, true);
    pools[name] = {
      cores: p.cores ?? pools[name].cores,
      slots: p.slots ?? pools[name].slots,
      timeoutSeconds: p.timeoutSeconds ?? pools[name].timeoutSeconds,
      memoryLimitBytes: p.memoryLimitPercent !== undefined ? Math.floor((host.memoryBytes * p.memoryLimitPercent) / 100) : pools[name].memoryLimitBytes,
      maxAttempts: p.maxAttempts ?? file.policies?.maxAttempts ?? pools[name].maxAttempts,
    };
  }

  const databaseUrl = fromEnv.url(env, 'MPEGFLOW_DATABASE_URL', ['postgres', 'postgresql']);
  const s3Endpoint = fromEnv.url(env, 'MPEGFLOW_S3_ENDPOINT', ['http', 'https']);
  let storage: Config['storage'] = { kind: 'embedded', root: join(dataDir, 'objects') };
  if (s3Endpoint) {
    const accessKey = fromEnv.string(env, 'MPEGFLOW_S3_ACCESS_KEY');
    const secretKey = fromEnv.string(env, 'MPEGFLOW_S3_SECRET_KEY');
    if (!accessKey) throw invalidSetting('MPEGFLOW_S3_ACCESS_KEY', 'required when MPEGFLOW_S3_ENDPOINT is set');
    if (!secretKey) throw invalidSetting('MPEGFLOW_S3_SECRET_KEY', 'required when MPEGFLOW_S3_ENDPOINT is set');
    const caFile = fromEnv.string(env, 'MPEGFLOW_S3_CA_FILE');
    if (caFile !== undefined && !s3Endpoint.startsWith('https:')) throw invalidSetting('MPEGFLOW_S3_CA_FILE', 'set, but MPEGFLOW_S3_ENDPOINT is not https://');
    storage = { kind: 's3', endpoint: s3Endpoint, accessKey, secretKey, caFile: caFile !== undefined ? resolve(cwd, caFile) : null };
  }
  if (!s3Endpoint && fromEnv.string(env, 'MPEGFLOW_S3_CA_FILE') !== undefined) throw invalidSetting('MPEGFLOW_S3_CA_FILE', 'set without MPEGFLOW_S3_ENDPOINT');
  const bundled = file.storage?.s3Server;
  if (bundled) {
    if (s3Endpoint) throw invalidSetting('MPEGFLOW_S3_ENDPOINT', 'cannot be used together with storage.s3Server (the bundled S3 server) in the config file');
    storage = { kind: 'bundled-s3', component: bundled.component, host: bundled.host ?? '127.0.0.1', port: bundled.port };
  }

  const atRest = atRestConfig(file, env, cwd, dataDir);
  if (storage.kind !== 'embedded' && !atRestEnabled(atRest)) {
    throw invalidSetting(
      'MPEGFLOW_KEK_FILE',
      'required with S3 storage: the appliance writes nothing in clear to S3 (objects are encrypted client-side under the facility key; see docs/at-rest.md)',
    );
  }

  checkWatchFolderPaths(file.watchFolders ?? [], dataDir);
  const database: Config['database'] = databaseUrl
    ? { kind: 'postgres', url: databaseUrl, poolSize: file.database?.poolSize ?? 10, requireAppendOnlyRole: file.database?.requireAppendOnlyRole ?? false }
    : { kind: 'sqlite', path: join(dataDir, 'mpegflow.db') };
  const host_ = fromEnv.string(env, 'MPEGFLOW_HOST') ?? file.http?.host ?? '127.0.0.1';
  const config: Config = {
    dataDir,
    configFile,
    tls: tlsConfig(file, env, host_, host),
    http: { host: host_, port: fromEnv.port(env, 'MPEGFLOW_PORT') ?? file.http?.port ?? 8080, bindWaitSeconds: file.http?.bindWaitSeconds ?? 15 },
    log: { level: fromEnv.oneOf(env, 'MPEGFLOW_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) ?? file.log?.level ?? 'info' },
    adminTokenSeed: fromEnv.string(env, 'MPEGFLOW_ADMIN_TOKEN') ?? null,
    database,
    storage,
    node: nodeConfig(file, env, database, storage),
    lifecycle: {
      cron: file.storage?.lifecycle?.cron ?? '17 * * * *',
      intermediateMaxAgeDays: file.storage?.lifecycle?.intermediateMaxAgeDays ?? 7,
      inputMaxAgeDays: file.storage?.lifecycle?.inputMaxAgeDays ?? 30,
    },
    pools,
    watchFolders: file.watchFolders ?? [],
    webhooks: file.webhooks ?? [],
    webhookAllowedHosts: webhookAllowedHosts(file),
    webhookCaFile: file.webhookCaFile ?? null,
    atRest,
    sessions: {
      idleMinutes: file.sessions?.idleMinutes ?? 15,
      lifetimeHours: file.sessions?.lifetimeHours ?? 12,
      secondFactorRoles: [...new Set(file.sessions?.secondFactorRoles ?? (['admin'] as const))],
    },
    policies: {
      partialLadder: file.policies?.partialLadder ?? 'wait',
      maxAttempts: file.policies?.maxAttempts ?? 3,
      maxInterruptions: file.policies?.maxInterruptions ?? 10,
      interruptionBackoffSeconds: file.policies?.interruptionBackoffSeconds ?? 2,
    },
    chunking: {
      enabled: file.chunking?.enabled ?? true,
      thresholdSeconds: file.chunking?.thresholdSeconds ?? 300,
      chunkSeconds: file.chunking?.chunkSeconds ?? 60,
    },
    backups: { cron: file.backups?.cron ?? '30 2 * * *', retention: file.backups?.retention ?? 7 },
    auditHeads: { intervalSeconds: file.auditHeads?.intervalSeconds ?? 60, sink: auditHeadSink(file, dataDir) },
    host: { cores: host.cores, memoryBytes: host.memoryBytes },
    buildHost: buildHostFromEnv(env),
  };
  if (config.adminTokenSeed !== null && config.adminTokenSeed.length < 24) {
    throw invalidSetting('MPEGFLOW_ADMIN_TOKEN', 'must be at least 24 characters');
  }
  if (!isAbsolute(config.dataDir)) throw invalidSetting('MPEGFLOW_DATA_DIR', 'could not be made absolute');
  return deepFreeze(config);
}

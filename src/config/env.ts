import { ApplianceError } from '../errors/appliance-error.js';

/** Every environment variable the appliance reads (SPEC.md), and nothing else. */
export const knownVariables = [
  'MPEGFLOW_DATA_DIR',
  'MPEGFLOW_PORT',
  'MPEGFLOW_HOST',
  'MPEGFLOW_CONFIG',
  'MPEGFLOW_ADMIN_TOKEN',
  'MPEGFLOW_DATABASE_URL',
  'MPEGFLOW_S3_ENDPOINT',
  'MPEGFLOW_S3_ACCESS_KEY',
  'MPEGFLOW_S3_SECRET_KEY',
  /** PEM CA certificates the `https://` S3 endpoint must chain to (default: the host's trusted CAs). */
  'MPEGFLOW_S3_CA_FILE',
  /** The key-encryption key file (outside the data directory): turns on encryption at rest (docs/at-rest.md). */
  'MPEGFLOW_KEK_FILE',
  'MPEGFLOW_LOG_LEVEL',
  /** This node's id in a cluster (default: the host name) and its roles (`api`, `worker`; default both): docs/cluster.md. */
  'MPEGFLOW_NODE_ID',
  'MPEGFLOW_NODE_ROLES',
  /** `true`: plain HTTP instead of HTTPS, on a loopback listen address only (tests, a reverse proxy on this host). */
  'MPEGFLOW_PLAIN_HTTP',
  /** Building the encoder image (`mpegflow images build`, first start): the Debian mirror and the archive keyring. */
  'MPEGFLOW_DEBIAN_MIRROR',
  'MPEGFLOW_DEBIAN_KEYRING',
  /** Print the stack of an error the CLI reports (read by the CLI only). */
  'MPEGFLOW_DEBUG',
  /** The API token `mpegflow submit` uses when no --token is given (read by the CLI only). */
  'MPEGFLOW_TOKEN',
] as const;

export type Env = Readonly<Record<string, string | undefined>>;

export function invalidSetting(name: string, why: string): ApplianceError {
  return new ApplianceError('CONFIG_INVALID', `${name}: ${why}`, { details: { key: name } });
}

/** Typed converters: each reads one variable or returns undefined when it is unset or empty. */
export const fromEnv = {
  string(env: Env, name: string): string | undefined {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  },
  port(env: Env, name: string): number | undefined {
    const v = fromEnv.string(env, name);
    if (v === undefined) return undefined;
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw invalidSetting(name, `expected a port number 0-65535, got ${JSON.stringify(v)}`);
    return Number(v);
  },
  url(env: Env, name: string, protocols: string[]): string | undefined {
    const v = fromEnv.string(env, name);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw invalidSetting(name, `expected a URL, got ${JSON.stringify(v)}`);
    }
    if (!protocols.includes(u.protocol.replace(/:$/, ''))) throw invalidSetting(name, `expected a ${protocols.join(' or ')} URL, got ${u.protocol}//…`);
    return v;
  },
  boolean(env: Env, name: string): boolean | undefined {
    const v = fromEnv.string(env, name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw invalidSetting(name, `expected true or false, got ${JSON.stringify(v)}`);
  },
  oneOf<T extends string>(env: Env, name: string, values: readonly T[]): T | undefined {
    const v = fromEnv.string(env, name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw invalidSetting(name, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  },
};

/** A misspelt MPEGFLOW_ variable is an error, not silently ignored. */
export function rejectUnknownVariables(env: Env): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('MPEGFLOW_') && !(knownVariables as readonly string[]).includes(name)) {
      throw invalidSetting(name, `unknown variable (known: ${knownVariables.join(', ')})`);
    }
  }
}

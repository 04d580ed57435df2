import { fromEnv, type Env } from './env.js';

/** The Debian archive keyring the recipe trusts unless MPEGFLOW_DEBIAN_KEYRING names another. */
export const DEFAULT_DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * What building an encoder image takes from the host, read once from the environment:
 * the Debian mirror (`MPEGFLOW_DEBIAN_MIRROR`; unset: the host's apt sources), the archive
 * keyring (`MPEGFLOW_DEBIAN_KEYRING`), the PATH the build's tools (apt-get, dpkg-deb) are
 * found on, and the proxy variables apt passes on.
 */
export interface BuildHost {
  debianMirror: string | null;
  debianKeyring: string;
  toolPath: string;
  proxies: Readonly<Record<string, string>>;
}

const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'no_proxy'] as const;

export function buildHostFromEnv(env: Env): BuildHost {
  const proxies: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    const value = env[name];
    if (value !== undefined) proxies[name] = value;
  }
  return {
    debianMirror: fromEnv.string(env, 'MPEGFLOW_DEBIAN_MIRROR')?.trim() || null,
    debianKeyring: fromEnv.string(env, 'MPEGFLOW_DEBIAN_KEYRING') ?? DEFAULT_DEBIAN_KEYRING,
    toolPath: fromEnv.string(env, 'PATH') ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    proxies,
  };
}

import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * `fetch` that verifies HTTPS against one CA file (the appliance CA), as `curl --cacert` does:
 * Node's global fetch takes no CA option, undici's own fetch takes a dispatcher that does.
 */
export function trustedFetch(caFile: string): (url: string, init?: RequestInit) => Promise<Response> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

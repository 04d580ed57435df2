import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

export interface UploadedInput {
  key: string;
  sha256: string;
  size: number;
}

/** A client of a running appliance, as an operator's script would use it. */
export function apiClient(url: string, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    auth,
    /** `PUT /api/v1/inputs/{name}`, streamed from the file. */
    upload: (file: string) =>
      fetch(`${url}/api/v1/inputs/${encodeURIComponent(basename(file))}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit),
    submit: (body: Record<string, unknown>) =>
      fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    get: (path: string) => fetch(`${url}${path}`, { headers: auth }),
  };
}

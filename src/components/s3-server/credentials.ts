import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { credentialsInvalid } from './component-errors.js';

export interface S3ServerCredentials {
  accessKey: string;
  secretKey: string;
}

/** `<data>/secrets/s3-server.json`. */
export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'secrets', 's3-server.json');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of ALPHABET, uniformly random (rejection sampling). */
function randomText(length: number, alphabet = ALPHABET): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length)) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * Fresh credentials within MinIO's limits (access key 3–20, secret key 8–40 characters):
 * `MF` + 18 upper-case letters/digits (~93 bits), and a 40-character secret (~238 bits).
 */
export function generateCredentials(): S3ServerCredentials {
  return { accessKey: `MF${randomText(18, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`, secretKey: randomText(40) };
}

function parse(path: string, text: string): S3ServerCredentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw credentialsInvalid(path, 'not valid JSON', err);
  }
  const c = json as Partial<S3ServerCredentials> | null;
  if (!c || typeof c.accessKey !== 'string' || typeof c.secretKey !== 'string' || c.accessKey.length < 3 || c.secretKey.length < 8) {
    throw credentialsInvalid(path, 'needs string accessKey (≥ 3 characters) and secretKey (≥ 8 characters)');
  }
  return { accessKey: c.accessKey, secretKey: c.secretKey };
}

async function readExisting(path: string): Promise<S3ServerCredentials | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw credentialsInvalid(path, (err as Error).message, err);
  }
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) throw credentialsInvalid(path, `mode is 0${mode.toString(8)}; it must be readable by its owner only (chmod 600)`);
  return parse(path, text);
}

/**
 * The S3 server's credentials: read from `<data>/secrets/s3-server.json` (mode 0600), or
 * generated once and written there (the secrets folder is created 0700 if missing). Concurrent
 * first calls agree: the file appears atomically (link of a complete, fsynced temp file) and the
 * loser reads the winner's. A file readable by group/others is refused (COMPONENT_CREDENTIALS_INVALID).
 */
export async function loadOrCreateCredentials(dataDir: string): Promise<S3ServerCredentials> {
  const path = credentialsPath(dataDir);
  const existing = await readExisting(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fresh = generateCredentials();
  const tmp = `${path}.tmp-${process.pid}-${randomText(8)}`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // umask never widens 0600, but be explicit
      await handle.writeFile(`${JSON.stringify({ ...fresh, createdAt: new Date().toISOString() }, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== undefined) throw credentialsInvalid(path, `cannot write: ${(err as Error).message}`, err);
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  const written = await readExisting(path);
  if (!written) throw credentialsInvalid(path, 'vanished right after it was written');
  return written;
}

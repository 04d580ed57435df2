import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { fromEnv, invalidSetting, type Env } from './env.js';
import type { Config, FileConfig } from './schema.js';

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/**
 * Encryption at rest: `MPEGFLOW_KEK_FILE` over `atRest.kekFile`. KEK files must sit outside
 * the data directory (a copy of the data dir must not carry its own key); the encoders'
 * scratch defaults to a folder of this data dir under /dev/shm (memory-backed).
 */
export function atRestConfig(file: FileConfig, env: Env, cwd: string, dataDir: string): Config['atRest'] {
  const fromVar = fromEnv.string(env, 'MPEGFLOW_KEK_FILE');
  const kekFile = fromVar !== undefined ? resolve(cwd, fromVar) : (file.atRest?.kekFile ?? null);
  const name = fromVar !== undefined ? 'MPEGFLOW_KEK_FILE' : 'atRest.kekFile';
  const previousKekFiles = file.atRest?.previousKekFiles ?? [];
  for (const [key, path] of [[name, kekFile] as const, ...previousKekFiles.map((p) => ['atRest.previousKekFiles', p] as const)]) {
    if (path !== null && inside(path, dataDir)) throw invalidSetting(key, `${path} is inside the data directory; keep the key-encryption key outside it`);
  }
  const kekCommand = file.atRest?.kekCommand ?? null;
  if (kekCommand !== null && kekFile !== null)
    throw invalidSetting(name, 'set together with atRest.kekCommand: the current KEK is a file or a command, not both');
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  return { kekFile, kekCommand, previousKekFiles, scratchDir: file.atRest?.scratchDir ?? `/dev/shm/mpegflow-${tag}` };
}

/** Whether encryption at rest is on (a KEK file or a KEK command is configured). */
export function atRestEnabled(atRest: Config['atRest']): boolean {
  return atRest.kekFile !== null || atRest.kekCommand !== null;
}

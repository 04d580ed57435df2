import type { ImageRef } from '../../images/encoder-process.js';
import type { TrustedKeys } from '../../signing/trusted-keys.js';
import type { SpawnedProcess } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';

/** What every stage needs: the job's pinned image, the trust to verify it, a cancel signal. */
export interface StageContext {
  image: ImageRef;
  trust: TrustedKeys;
  signal?: AbortSignal;
  /** Told as each process starts (its pid, exact argv and image), before it ends. */
  onSpawned?: (info: SpawnedProcess) => void;
}

/** A file a stage produced, with its sha256 (computed after the process ended). */
export interface StageFile {
  /** Path relative to the stage's output folder. */
  path: string;
  sha256: string;
  size: number;
}

/** Every process a stage ran, for the audit trail: exact argv, image, times, exit, stderr tail. */
export type StageRuns = StageTaskResult[];

export function succeeded(runs: StageRuns): boolean {
  return runs.length > 0 && runs.every((r) => r.outcome === 'succeeded');
}

import type { MessagePort } from 'node:worker_threads';
import type { EncoderCommand, ImageRef } from '../images/encoder-process.js';
import type { VerificationFailure } from '../images/image-errors.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';

/** One process run by a pool's worker thread (plain data: it crosses the thread boundary). */
export interface StageTaskInput {
  taskId: string;
  image: ImageRef;
  trust: TrustedKeys;
  command: EncoderCommand;
  memoryLimitBytes: number;
  timeoutMs: number;
  /** `collect`: stdout is the result (ffprobe JSON); `progress`: stdout is `-progress pipe:1`. */
  stdout: 'collect' | 'progress' | 'ignore';
  /** Test hook: make the worker thread itself crash after spawning (a worker bug). */
  crashWorkerAfterSpawn?: boolean;
  port: MessagePort;
}

export type StageOutcome = 'succeeded' | 'failed' | 'oom_killed' | 'timed_out' | 'cancelled' | 'unverified';

export interface StageTaskResult {
  taskId: string;
  outcome: StageOutcome;
  /** Stable code for anything but success: EXIT_NONZERO, OOM_KILLED, TIMED_OUT, CANCELLED, ENCODER_UNVERIFIED, WORKER_CRASHED. */
  errorCode: string | null;
  exitCode: number | null;
  signal: string | null;
  argv: readonly string[];
  imageId: string;
  pid: number | null;
  startedAt: string;
  endedAt: string;
  peakRssBytes: number;
  stdout: string;
  stderrTail: string;
  message: string | null;
  /** Set when the image failed verification (outcome `unverified`): for the audit trail. */
  verificationFailure?: VerificationFailure;
}

/** Messages a worker posts on its port while a task runs. */
export type StageMessage = { type: 'spawned'; pid: number; argv: readonly string[]; imageId: string } | { type: 'progress'; block: string };
